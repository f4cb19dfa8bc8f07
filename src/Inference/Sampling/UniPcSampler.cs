using System.Numerics.Tensors;
using HsoService.Inference.Denoising;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Sampling;

/// <summary>The B(h) choice of UniPC: bh1 uses B(h) = h, bh2 uses B(h) = e^h - 1 (Zhao et al., 2023, section 3.3).</summary>
public enum UniPcVariant
{
    Bh1,
    Bh2,
}

/// <summary>
/// UniPC (Zhao et al., NeurIPS 2023) in the data prediction: the predictor UniP-p (Algorithm 2) extrapolates from the
/// last p data predictions, and after each model evaluation the corrector UniC-p (Algorithm 1) redoes the step it
/// came from using the new evaluation, at no extra model cost. Orders 1 to 3, warm-up from first order; as in diffusers,
/// the last steps drop in order (<see cref="LowerOrderFinal"/>: the step i of n has order at most n - i, whatever n; a
/// second-order step across the long last lambda step of a long schedule multiplies its error). A next time of 0
/// (sigma = 0) ends with the first-order step, which leaves the data prediction x0 of the last evaluation. With h = lambda_t - lambda_s,
/// h_phi_1 = e^{-h} - 1 and B(h) per <see cref="UniPcVariant"/>, a step is
/// x_t = (sigma_t / sigma_s) x_s - alpha_t h_phi_1 x0_s - alpha_t B(h) sum_k rho_k D_k, D_k = (x0_{s_k} - x0_s) / r_k.
/// </summary>
public sealed class UniPcSampler : ISampler
{
    private readonly int _order;
    private readonly UniPcVariant _variant;
    private readonly bool _lowerOrderFinal;
    private readonly bool _corrector;

    /// <param name="order">Order p of the predictor (1 to 3); with the corrector the method's order is p + 1.</param>
    /// <param name="variant">The B(h) choice.</param>
    /// <param name="lowerOrderFinal">Lower the order on the last steps (step i of n at most order n - i).</param>
    /// <param name="corrector">Apply UniC after each evaluation (true for UniPC; false leaves the predictor UniP alone).</param>
    public UniPcSampler(int order = 2, UniPcVariant variant = UniPcVariant.Bh2, bool lowerOrderFinal = true, bool corrector = true)
    {
        if (order is < 1 or > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "UniPC order must be 1, 2 or 3");
        }

        (_order, _variant, _lowerOrderFinal, _corrector) = (order, variant, lowerOrderFinal, corrector);
    }

    public SolverKind Solver => SolverKind.UniPc;

    public int Order => _order;

    public UniPcVariant Variant => _variant;

    public bool LowerOrderFinal => _lowerOrderFinal;

    public bool Corrector => _corrector;

    public void Sample(IDenoiser denoiser, NoiseSchedule noise, IReadOnlyList<double> times, float[] x, Action<int>? onStep = null, CancellationToken cancellationToken = default)
    {
        var steps = times.Count - 1;
        var history = new float[_order][];
        for (var k = 0; k < _order; k++)
        {
            history[k] = new float[x.Length];
        }

        var historyLambda = new double[_order];
        var stored = 0;
        var data = new float[x.Length];
        var lastX = new float[x.Length];
        var lastOrder = 0;
        var coefficients = new double[_order];
        for (var i = 0; i < steps; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var t = times[i];
            var alpha = noise.Alpha(t);
            var sigma = noise.Sigma(t);
            var lambda = noise.Lambda(t);
            denoiser.Predict(x, t, data, []);
            onStep?.Invoke(i);

            if (i > 0 && _corrector)
            {
                // UniC: redo the step from t_{i-1} with the new evaluation; the history still ends at x0_{i-1}.
                Step(x, lastX, history, historyLambda, lastOrder, noise.Sigma(times[i - 1]), lambda, alpha, sigma, data, coefficients);
            }

            // Push x0_i to the front of the history, reusing the oldest buffer.
            var oldest = history[_order - 1];
            for (var k = _order - 1; k > 0; k--)
            {
                history[k] = history[k - 1];
                historyLambda[k] = historyLambda[k - 1];
            }

            history[0] = oldest;
            data.CopyTo(oldest, 0);
            historyLambda[0] = lambda;
            // A flow's pure-noise start (s = 1) has lambda = -infinity: usable as the start of a step (e^{-h} = 0), never
            // as an earlier point of a higher-order difference, so the count restarts after it.
            stored = double.IsFinite(lambda) ? Math.Min(stored + 1, _order) : 0;

            var next = times[i + 1];
            if (next <= 0)
            {
                // UniP-1 to sigma = 0: x_t = 0 x_s - alpha_t (e^{-inf} - 1) x0_s = x0_s.
                data.CopyTo(x, 0);
                break;
            }

            var order = _lowerOrderFinal ? Math.Min(_order, steps - i) : _order;
            order = Math.Max(1, Math.Min(order, stored));
            x.CopyTo(lastX, 0);
            Step(x, lastX, history, historyLambda, order, sigma, noise.Lambda(next), noise.Alpha(next), noise.Sigma(next), null, coefficients);
            lastOrder = order;
        }
    }

    /// <summary>
    /// One UniPC step from s (the front of the history, at x <paramref name="start"/>) to t. With
    /// <paramref name="evaluation"/> null it is the predictor UniP-p; with the data prediction at t it is the corrector
    /// UniC-p, whose last point is t itself (r = 1). Writes x_t into <paramref name="x"/>.
    /// </summary>
    private void Step(
        float[] x,
        float[] start,
        float[][] history,
        double[] historyLambda,
        int order,
        double sigmaFrom,
        double lambdaTo,
        double alphaTo,
        double sigmaTo,
        float[]? evaluation,
        double[] coefficients)
    {
        var corrector = evaluation is not null;
        var h = lambdaTo - historyLambda[0];
        var hh = -h;
        var phi1 = double.ExpM1(hh);
        var bh = _variant == UniPcVariant.Bh1 ? hh : double.ExpM1(hh);

        // Earlier points used: order - 1 of them (the predictor's and the corrector's D_k), plus t itself for UniC.
        var earlier = order - 1;
        Span<double> ratios = stackalloc double[order];
        for (var k = 0; k < earlier; k++)
        {
            ratios[k] = (historyLambda[k + 1] - historyLambda[0]) / h;
        }

        ratios[order - 1] = 1.0;
        Span<double> rhos = stackalloc double[order];
        if (corrector)
        {
            if (order == 1)
            {
                rhos[0] = 0.5;
            }
            else
            {
                Solve(ratios, order, hh, phi1, bh, rhos);
            }
        }
        else if (order == 2)
        {
            rhos[0] = 0.5;
        }
        else if (order == 3)
        {
            Solve(ratios[..2], 2, hh, phi1, bh, rhos[..2]);
        }

        // x_t = (sigma_t/sigma_s) start - alpha_t phi1 m0 - alpha_t B(h) [sum_k rho_k (x0_k - m0)/r_k + rho_last (x0_t - m0)]
        var m0 = history[0];
        var m0Coefficient = -alphaTo * phi1;
        TensorPrimitives.Multiply(start, (float)(sigmaTo / sigmaFrom), x);
        for (var k = 0; k < earlier; k++)
        {
            var weight = -alphaTo * bh * rhos[k] / ratios[k];
            coefficients[k] = weight;
            m0Coefficient -= weight;
        }

        if (corrector)
        {
            var weight = -alphaTo * bh * rhos[order - 1];
            m0Coefficient -= weight;
            TensorPrimitives.MultiplyAdd(evaluation!, (float)weight, x, x);
        }

        TensorPrimitives.MultiplyAdd(m0, (float)m0Coefficient, x, x);
        for (var k = 0; k < earlier; k++)
        {
            TensorPrimitives.MultiplyAdd(history[k + 1], (float)coefficients[k], x, x);
        }
    }

    /// <summary>Solves R rho = b with R[j][k] = r_k^j and b_j = h_phi_{j+1}(hh) (j+1)! / B(h), for j, k &lt; n.</summary>
    private static void Solve(ReadOnlySpan<double> ratios, int n, double hh, double phi1, double bh, Span<double> rhos)
    {
        Span<double> matrix = stackalloc double[n * n];
        Span<double> rhs = stackalloc double[n];
        var phi = phi1 / hh - 1;
        var factorial = 1.0;
        for (var j = 0; j < n; j++)
        {
            for (var k = 0; k < n; k++)
            {
                matrix[j * n + k] = Math.Pow(ratios[k], j);
            }

            rhs[j] = phi * factorial / bh;
            factorial *= j + 2;
            phi = phi / hh - 1 / factorial;
        }

        // Gaussian elimination with partial pivoting; n <= 3.
        for (var column = 0; column < n; column++)
        {
            var pivot = column;
            for (var row = column + 1; row < n; row++)
            {
                if (Math.Abs(matrix[row * n + column]) > Math.Abs(matrix[pivot * n + column]))
                {
                    pivot = row;
                }
            }

            if (pivot != column)
            {
                for (var k = 0; k < n; k++)
                {
                    (matrix[column * n + k], matrix[pivot * n + k]) = (matrix[pivot * n + k], matrix[column * n + k]);
                }

                (rhs[column], rhs[pivot]) = (rhs[pivot], rhs[column]);
            }

            for (var row = column + 1; row < n; row++)
            {
                var factor = matrix[row * n + column] / matrix[column * n + column];
                for (var k = column; k < n; k++)
                {
                    matrix[row * n + k] -= factor * matrix[column * n + k];
                }

                rhs[row] -= factor * rhs[column];
            }
        }

        for (var row = n - 1; row >= 0; row--)
        {
            var sum = rhs[row];
            for (var k = row + 1; k < n; k++)
            {
                sum -= matrix[row * n + k] * rhos[k];
            }

            rhos[row] = sum / matrix[row * n + row];
        }
    }
}
