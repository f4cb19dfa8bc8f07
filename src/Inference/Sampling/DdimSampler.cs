using System.Numerics.Tensors;
using HsoService.Inference.Denoising;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Sampling;

/// <summary>
/// DDIM with eta = 0 (Song, Meng and Ermon, 2021, eq. 12): x_{i+1} = alpha_{i+1} x0_i + sigma_{i+1} eps_i, where x0_i
/// and eps_i are the data and noise predictions at t_i. First order in the step size. A next time of 0 has alpha = 1
/// and sigma = 0, so that step returns x0_i.
/// </summary>
public sealed class DdimSampler : ISampler
{
    public SolverKind Solver => SolverKind.Ddim;

    public void Sample(IDenoiser denoiser, NoiseSchedule noise, IReadOnlyList<double> times, float[] x, Action<int>? onStep = null, CancellationToken cancellationToken = default)
    {
        var output = new float[x.Length];
        var data = new float[x.Length];
        for (var i = 0; i + 1 < times.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            denoiser.Predict(x, times[i], data, output);
            onStep?.Invoke(i);
            // x <- alpha_next x0 + sigma_next eps
            var next = times[i + 1];
            var (alphaNext, sigmaNext) = next > 0 ? (noise.Alpha(next), noise.Sigma(next)) : (1.0, 0.0);
            TensorPrimitives.Multiply(output, (float)sigmaNext, x);
            TensorPrimitives.MultiplyAdd(data, (float)alphaNext, x, x);
        }
    }
}
