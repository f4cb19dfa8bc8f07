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
