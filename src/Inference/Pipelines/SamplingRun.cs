using HsoService.Inference.Denoising;
using HsoService.Inference.Sampling;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Pipelines;

/// <summary>
/// Runs a solver over a schedule the way HSO-SPEC section 5 counts evaluations: UniPC and DPM-Solver++ integrate over
/// their NFE + 1 points and return x at the last one; DDIM integrates over its NFE points and then jumps to clean data
/// with one more evaluation at the last point (x0 = the data prediction there). A network that takes integer
/// timesteps gets the schedule snapped to the trained grid first.
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
        CancellationToken cancellationToken = default)
    {
        var used = denoiser.DiscreteTime ? ScheduleSnapping.Snap(noise, times, out _) : [.. times];
        Samplers.For(solver).Sample(denoiser, noise, used, x, onStep, cancellationToken);
        if (solver == SolverKind.Ddim)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var last = used[^1];
            var output = new float[x.Length];
            denoiser.Predict(x, last, output);
            onStep?.Invoke(used.Length - 1);
            PredictionConversion.ToData(denoiser.PredictionType, output, x, noise.Alpha(last), noise.Sigma(last), output);
            output.CopyTo(x, 0);
        }

        return used;
    }
}
