using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
namespace HsoService.Optimization.Families;

/// <summary>Turns the n sigmas a flow scheduler evaluates (then steps to 0) into a solver's times.</summary>
internal static class FlowSigmas
{
    /// <summary>DDIM evaluates the n sigmas; UniPC and DPM-Solver++ take them and one more point, 1/N, that only bounds the last step.</summary>
    public static double[] Times(NoiseSchedule noise, SolverKind solver, IReadOnlyList<double> sigmas)
    {
        var times = new double[solver.PointCount(sigmas.Count)];
        for (var i = 0; i < sigmas.Count; i++)
        {
            times[i] = Math.Clamp(sigmas[i], noise.TMin, 1.0);
        }

        if (times.Length > sigmas.Count)
        {
            times[^1] = noise.TMin;
        }

        return times;
    }
}
