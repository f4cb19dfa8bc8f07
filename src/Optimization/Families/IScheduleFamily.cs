using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Families;

/// <summary>
/// A named baseline schedule generator. Every family returns the descending times a solver needs at an NFE
/// (<see cref="Solvers.PointCount"/>): NFE points for DDIM, NFE + 1 for UniPC and DPM-Solver++ 2M, where the last
/// point is the end of the final step rather than an evaluation.
/// </summary>
public interface IScheduleFamily
{
    /// <summary>The family's name, as the CLI and the API accept it.</summary>
    string Name { get; }

    /// <summary>The variant used when none is given (for example the spacing of uniform_t), or null.</summary>
    string? DefaultVariant { get; }

    /// <summary>Descending continuous times in [1/N, 1].</summary>
    double[] Times(NoiseSchedule noise, SolverKind solver, int nfe, FamilyOptions options, List<string> warnings);
}
