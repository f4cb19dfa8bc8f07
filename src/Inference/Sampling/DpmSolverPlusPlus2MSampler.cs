using System.Numerics.Tensors;
using HsoService.Inference.Denoising;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Sampling;

/// <summary>
/// DPM-Solver++(2M) (Lu et al., 2022, Algorithm 2), multistep in the data prediction. With h_i = lambda_{i+1} - lambda_i:
/// first order x_{i+1} = (sigma_{i+1}/sigma_i) x_i - alpha_{i+1} (e^{-h_i} - 1) x0_i; second order replaces x0_i by
/// D_i = (1 + 1/(2 r_i)) x0_i - (1/(2 r_i)) x0_{i-1}, r_i = h_{i-1}/h_i. The first step is first order, and, as in
/// diffusers, so is the last one when there are fewer than 15 steps (<see cref="LowerOrderFinal"/>), which steadies
/// very short schedules, and always when it lands on sigma = 0 (next time 0), where h is infinite and x = x0_i.
/// </summary>
public sealed class DpmSolverPlusPlus2MSampler(bool lowerOrderFinal = true) : ISampler
{
    public SolverKind Solver => SolverKind.DpmPp2M;

    /// <summary>Use a first-order final step when the schedule has fewer than 15 steps.</summary>
    public bool LowerOrderFinal => lowerOrderFinal;

    public void Sample(IDenoiser denoiser, NoiseSchedule noise, IReadOnlyList<double> times, float[] x, Action<int>? onStep = null, CancellationToken cancellationToken = default)
    {
        var steps = times.Count - 1;
        var data = new float[x.Length];
        var previousData = new float[x.Length];
        var blend = new float[x.Length];
        var previousStep = 0.0;
        for (var i = 0; i < steps; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (t, next) = (times[i], times[i + 1]);
            var sigma = noise.Sigma(t);
            denoiser.Predict(x, t, data, []);
            onStep?.Invoke(i);

            if (next <= 0)
            {
                // To sigma = 0: e^{-h} = 0 and sigma_next = 0 leave the first-order data prediction.
                data.CopyTo(x, 0);
                break;
            }

            var step = noise.Lambda(next) - noise.Lambda(t);
            var firstOrder = i == 0 || (lowerOrderFinal && i == steps - 1 && steps < 15);
            ReadOnlySpan<float> estimate = data;
            if (!firstOrder)
            {
                var ratio = previousStep / step;
                TensorPrimitives.Multiply(previousData, (float)(-1 / (2 * ratio)), blend);
                TensorPrimitives.MultiplyAdd(data, (float)(1 + 1 / (2 * ratio)), blend, blend);
                estimate = blend;
            }

            // x <- (sigma_next / sigma) x - alpha_next (e^{-h} - 1) D
            TensorPrimitives.Multiply(x, (float)(noise.Sigma(next) / sigma), x);
            TensorPrimitives.MultiplyAdd(estimate, (float)(-noise.Alpha(next) * double.ExpM1(-step)), x, x);

            (data, previousData) = (previousData, data);
            previousStep = step;
        }
    }
}
