using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Families;

/// <summary>Equal steps in sqrt(t) between T_max and eps, squared (DPM-Solver's <c>time_quadratic</c> skip type).</summary>
public sealed class QuadraticTimeFamily : IScheduleFamily
{
    public string Name => "quadratic_t";

    public string? DefaultVariant => null;

    public double[] Times(NoiseSchedule noise, SolverKind solver, int nfe, FamilyOptions options, List<string> warnings)
    {
        var (tMax, eps) = FamilyRange.Resolve(noise, options);
        var count = solver.PointCount(nfe);
        var high = Math.Sqrt(tMax);
        var low = Math.Sqrt(eps);
        var times = new double[count];
        for (var j = 0; j < count; j++)
        {
            var root = high + (low - high) * j / (count - 1);
            times[j] = root * root;
        }

        times[0] = tMax;
        times[^1] = eps;
        return times;
    }
}
