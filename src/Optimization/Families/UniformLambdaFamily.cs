using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Families;

/// <summary>Equal steps in half log-SNR lambda between T_max and eps (DPM-Solver's <c>logSNR</c> skip type).</summary>
public sealed class UniformLambdaFamily : IScheduleFamily
{
    public string Name => "uniform_lambda";

    public string? DefaultVariant => null;

    public double[] Times(NoiseSchedule noise, SolverKind solver, int nfe, FamilyOptions options, List<string> warnings)
    {
        var (tMax, eps) = FamilyRange.Resolve(noise, options, finiteLambda: true);
        var count = solver.PointCount(nfe);
        var high = noise.Lambda(tMax);
        var low = noise.Lambda(eps);
        var times = new double[count];
        for (var j = 0; j < count; j++)
        {
            times[j] = noise.TFromLambda(high + (low - high) * j / (count - 1));
        }

        times[0] = tMax;
        times[^1] = eps;
        return times;
    }
}
