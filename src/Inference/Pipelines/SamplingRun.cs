using HsoService.Inference.Denoising;
using HsoService.Inference.Sampling;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Pipelines;

/// <summary>
/// Runs a solver over a schedule the way HSO-SPEC section 5 counts evaluations (UniPC and DPM-Solver++: NFE + 1
/// points; DDIM: NFE points, each evaluated) and finishes it as <see cref="FinalStep"/> says: to sigma = 0 from the
/// last evaluated point (the default), at the schedule's last time, or with one more evaluation there. A network
/// that takes integer timesteps gets the schedule snapped to the trained grid first.
/// </summary>
public static class SamplingRun
{
    /// <summary>
    /// Throws naming the field unless the times are a schedule the solver can follow: NFE = count (DDIM) or count - 1
    /// in 2..N_train, finite, within [1/N, 1] and descending. Long reference runs use every trained step, so there is
    /// no lower cap here than N_train.
    /// </summary>
    public static void Validate(NoiseSchedule noise, SolverKind solver, IReadOnlyList<double> times)
    {
        var nfe = solver == SolverKind.Ddim ? times.Count : times.Count - 1;
        Solvers.ValidateNfe(nfe, noise.TrainSteps, limit: noise.TrainSteps);
        ScheduleBuilder.Validate(noise, solver, nfe, times);
    }

    /// <summary>Samples in place; returns the times actually used (after snapping).</summary>
    public static double[] Run(
        SolverKind solver,
        IDenoiser denoiser,
        NoiseSchedule noise,
        IReadOnlyList<double> times,
        float[] x,
        Action<int>? onStep = null,
        CancellationToken cancellationToken = default,
        FinalStep finalStep = FinalStep.ToZero)
    {
        var used = denoiser.DiscreteTime ? ScheduleSnapping.Snap(noise, times, out _) : [.. times];
        var path = IntegrationPath.Times(solver, noise, used, finalStep);
        Samplers.For(solver).Sample(denoiser, noise, path, x, onStep, cancellationToken);
        if (finalStep == FinalStep.Denoise && solver != SolverKind.Ddim)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var last = path[^1];
            var data = new float[x.Length];
            denoiser.Predict(x, last, data, []);
            onStep?.Invoke(path.Length - 1);
            data.CopyTo(x, 0);
        }

        return used;
    }
}
