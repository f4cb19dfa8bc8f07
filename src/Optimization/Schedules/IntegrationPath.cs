using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Optimization.Schedules;

/// <summary>
/// The times a sampler integrates over: the schedule's times (snapped to the trained grid for integer-timestep
/// networks) with its end as <see cref="FinalStep"/> says, 0 standing for sigma = 0. Every point but the last is
/// evaluated; the denoise finish integrates to the last time and evaluates once more there, outside the path.
/// </summary>
public static class IntegrationPath
{
    public static double[] Times(SolverKind solver, NoiseSchedule noise, IReadOnlyList<double> used, FinalStep finalStep) =>
        (solver, finalStep) switch
        {
            (SolverKind.Ddim, FinalStep.AtLastTime) => [.. used, noise.TMin],
            (SolverKind.Ddim, _) => [.. used, 0.0],
            (_, FinalStep.ToZero) => [.. used.Take(used.Count - 1), 0.0],
            _ => [.. used],
        };
}
