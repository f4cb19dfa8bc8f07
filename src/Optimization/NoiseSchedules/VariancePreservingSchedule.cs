using System.Security.Cryptography;

namespace HsoService.Optimization.NoiseSchedules;

/// <summary>
/// A discrete variance-preserving (DDPM) noise schedule as trained, read in continuous time (HSO-SPEC section 1).
/// Discrete step k = 0..N-1 sits at t_k = (k+1)/N; log alpha is piecewise linear in t between those points, and
/// t is clamped to [1/N, 1]. alpha^2 = abar, sigma = sqrt(1 - alpha^2), lambda = log(alpha / sigma) (half log-SNR),
/// edm sigma = sigma / alpha. All conversions are pure and allocation-free.
/// </summary>
public sealed class VariancePreservingSchedule : NoiseSchedule
{
    private readonly double[] _logAlpha;

    internal VariancePreservingSchedule(SchedulerConfig config)
        : base(config)
    {
        var betas = BuildBetas(config);
        Betas = betas;
        var alphasCumprod = new double[betas.Length];
        var product = 1.0;
        for (var k = 0; k < betas.Length; k++)
        {
            product *= 1.0 - betas[k];
            alphasCumprod[k] = product;
        }

        AlphasCumprod = alphasCumprod;
        _logAlpha = alphasCumprod.Select(a => 0.5 * Math.Log(a)).ToArray();
        Hash = ComputeHash(betas);
    }

    public override string Hash { get; }

    /// <summary>alpha^2 + sigma^2 = 1.</summary>
    public override LambdaForm Form => LambdaForm.VariancePreserving;

    public override double LargestFiniteTime => 1.0;

    /// <summary>Betas per discrete step.</summary>
    public IReadOnlyList<double> Betas { get; }

    /// <summary>abar_k = prod_{i &lt;= k} (1 - beta_i).</summary>
    public IReadOnlyList<double> AlphasCumprod { get; }

    /// <summary>log alpha(t), piecewise linear between the trained steps, t clamped to [1/N, 1].</summary>
    public override double LogAlpha(double t) => LogAlpha(t, out _);

    /// <summary>log alpha(t) and its slope d log alpha / dt (0 where t is clamped).</summary>
    public double LogAlpha(double t, out double slope)
    {
        var n = TrainSteps;
        var x = t * n - 1.0;
        if (x <= 0)
        {
            slope = 0;
            return _logAlpha[0];
        }

        if (x >= n - 1)
        {
            slope = 0;
            return _logAlpha[n - 1];
        }

        var k = (int)x;
        var fraction = x - k;
        var rise = _logAlpha[k + 1] - _logAlpha[k];
        slope = rise * n;
        return _logAlpha[k] + fraction * rise;
    }

    public override double Alpha(double t) => Math.Exp(LogAlpha(t));

    public override double Sigma(double t) => SigmaFromLogAlpha(LogAlpha(t));

    /// <summary>Half log-SNR lambda(t) = log(alpha / sigma).</summary>
    public override double Lambda(double t) => LambdaFromLogAlpha(LogAlpha(t));

    /// <summary>
    /// lambda(t), d lambda / dt = (d log alpha / dt) / sigma^2 and, inside a linear piece of log alpha,
    /// d2 lambda / dt2 = 2 alpha^2 (d log alpha / dt)^2 / sigma^4.
    /// </summary>
    public override double Lambda(double t, out double slope, out double curvature)
    {
        var logAlpha = LogAlpha(t, out var logAlphaSlope);
        var alphaSquared = Math.Exp(2 * logAlpha);
        var sigmaSquared = -double.ExpM1(2 * logAlpha);
        slope = logAlphaSlope / sigmaSquared;
        curvature = 2 * alphaSquared * logAlphaSlope * logAlphaSlope / (sigmaSquared * sigmaSquared);
        return LambdaFromLogAlpha(logAlpha);
    }

    /// <summary>Inverse of <see cref="Lambda(double)"/>: the t whose lambda is the given value, clamped to [1/N, 1].</summary>
    public override double TFromLambda(double lambda) => TFromLogAlpha(-0.5 * Softplus(-2 * lambda));

    /// <summary>The EDM sigma, as diffusers' EulerDiscreteScheduler and k-diffusion call sigma.</summary>
    public override double SchedulerSigma(double t) => EdmSigma(t);

    /// <summary>Inverse of <see cref="LogAlpha(double)"/>; log alpha decreases strictly in t.</summary>
    public double TFromLogAlpha(double logAlpha)
    {
        var n = TrainSteps;
        if (logAlpha >= _logAlpha[0])
        {
            return TMin;
        }

        if (logAlpha <= _logAlpha[n - 1])
        {
            return 1.0;
        }

        // Largest k with _logAlpha[k] >= logAlpha.
        int lo = 0, hi = n - 1;
        while (hi - lo > 1)
        {
            var mid = (lo + hi) >>> 1;
            if (_logAlpha[mid] >= logAlpha)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        var fraction = (logAlpha - _logAlpha[lo]) / (_logAlpha[lo + 1] - _logAlpha[lo]);
        return (lo + 1 + fraction) / n;
    }

    /// <summary>Continuous model input time t N - 1, as UniPC and DPM-Solver feed discrete-time models.</summary>
    public override double ModelTime(double t) => t * TrainSteps - 1;

    private static double SigmaFromLogAlpha(double logAlpha) => Math.Sqrt(-double.ExpM1(2 * logAlpha));

    private static double LambdaFromLogAlpha(double logAlpha) => logAlpha - 0.5 * Math.Log(-double.ExpM1(2 * logAlpha));

    private static double[] BuildBetas(SchedulerConfig config)
    {
        var n = config.NumTrainTimesteps;
        var betas = new double[n];
        switch (config.BetaSchedule)
        {
            case BetaScheduleKind.Linear:
                for (var i = 0; i < n; i++)
                {
                    betas[i] = Linspace(config.BetaStart, config.BetaEnd, n, i);
                }

                break;
            case BetaScheduleKind.ScaledLinear:
                for (var i = 0; i < n; i++)
                {
                    var root = Linspace(Math.Sqrt(config.BetaStart), Math.Sqrt(config.BetaEnd), n, i);
                    betas[i] = root * root;
                }

                break;
            case BetaScheduleKind.SquaredCosCapV2:
                // Nichol & Dhariwal (2021), eq. 17 with s = 0.008, as diffusers' betas_for_alpha_bar computes it.
                static double AlphaBar(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);
                for (var i = 0; i < n; i++)
                {
                    betas[i] = Math.Min(1 - AlphaBar((i + 1.0) / n) / AlphaBar((double)i / n), 0.999);
                }

                break;
            case BetaScheduleKind.Trained:
                config.TrainedBetas!.ToArray().CopyTo(betas, 0);
                break;
            default:
                throw new InvalidSchedulerConfigException("beta_schedule", $"unsupported kind {config.BetaSchedule}");
        }

        return betas;
    }

    private static double Linspace(double start, double end, int count, int index) =>
        index == count - 1 ? end : start + (end - start) * index / (count - 1);

    private static string ComputeHash(double[] betas)
    {
        var bytes = new byte[sizeof(int) + betas.Length * sizeof(double)];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, sizeof(int)), betas.Length);
        for (var i = 0; i < betas.Length; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(sizeof(int) + i * sizeof(double)), betas[i]);
        }

        return Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
    }
}
