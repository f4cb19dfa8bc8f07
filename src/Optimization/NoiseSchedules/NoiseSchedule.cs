using System.Security.Cryptography;

namespace HsoService.Optimization.NoiseSchedules;

/// <summary>
/// A discrete variance-preserving noise schedule as trained, read in continuous time (HSO-SPEC section 1).
/// Discrete step k = 0..N-1 sits at t_k = (k+1)/N; log alpha is piecewise linear in t between those points, and
/// t is clamped to [1/N, 1]. alpha^2 = abar, sigma = sqrt(1 - alpha^2), lambda = log(alpha / sigma) (half log-SNR),
/// edm sigma = sigma / alpha. All conversions are pure and allocation-free.
/// </summary>
public sealed class NoiseSchedule
{
    private readonly double[] _logAlpha;

    private NoiseSchedule(SchedulerConfig config, double[] betas)
    {
        Config = config;
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

    /// <summary>The scheduler config this schedule was built from.</summary>
    public SchedulerConfig Config { get; }

    /// <summary>Number of trained timesteps N.</summary>
    public int TrainSteps => Betas.Count;

    /// <summary>Smallest continuous time, 1/N.</summary>
    public double TMin => 1.0 / TrainSteps;

    /// <summary>Betas per discrete step.</summary>
    public IReadOnlyList<double> Betas { get; }

    /// <summary>abar_k = prod_{i &lt;= k} (1 - beta_i).</summary>
    public IReadOnlyList<double> AlphasCumprod { get; }

    /// <summary>First 16 hex digits of SHA-256 over N and the betas: identifies the schedule in cache keys.</summary>
    public string Hash { get; }

    /// <summary>Builds the schedule a validated config describes.</summary>
    public static NoiseSchedule FromConfig(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return new NoiseSchedule(config, BuildBetas(config));
    }

    /// <summary>Parses <c>scheduler_config.json</c> text and builds its schedule.</summary>
    public static NoiseSchedule FromJson(string json) => FromConfig(SchedulerConfig.Parse(json));

    /// <summary>log alpha(t), piecewise linear between the trained steps, t clamped to [1/N, 1].</summary>
    public double LogAlpha(double t) => LogAlpha(t, out _);

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

    public double Alpha(double t) => Math.Exp(LogAlpha(t));

    public double Sigma(double t) => SigmaFromLogAlpha(LogAlpha(t));

    /// <summary>Half log-SNR lambda(t) = log(alpha / sigma).</summary>
    public double Lambda(double t) => LambdaFromLogAlpha(LogAlpha(t));

    /// <summary>lambda(t) and d lambda / dt = (d log alpha / dt) / sigma^2.</summary>
    public double Lambda(double t, out double slope)
    {
        var logAlpha = LogAlpha(t, out var logAlphaSlope);
        slope = logAlphaSlope / -double.ExpM1(2 * logAlpha);
        return LambdaFromLogAlpha(logAlpha);
    }

    /// <summary>EDM (Karras) sigma = sigma / alpha.</summary>
    public double EdmSigma(double t) => Math.Exp(-LambdaFromLogAlpha(LogAlpha(t)));

    /// <summary>Inverse of <see cref="Lambda(double)"/>: the t whose lambda is the given value, clamped to [1/N, 1].</summary>
    public double TFromLambda(double lambda) => TFromLogAlpha(-0.5 * Softplus(-2 * lambda));

    /// <summary>Inverse of <see cref="EdmSigma"/>.</summary>
    public double TFromEdmSigma(double edmSigma)
    {
        if (!(edmSigma > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(edmSigma), edmSigma, "edm sigma must be positive");
        }

        return TFromLambda(-Math.Log(edmSigma));
    }

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

    /// <summary>The trained discrete step for a continuous t: clamp(round(t N) - 1, 0, N - 1), rounding half to even like numpy.</summary>
    public int DiscreteTimestep(double t) =>
        (int)Math.Clamp(Math.Round(t * TrainSteps, MidpointRounding.ToEven) - 1, 0, TrainSteps - 1);

    /// <summary>Continuous model input time t N - 1, as UniPC and DPM-Solver feed discrete-time models.</summary>
    public double ModelTime(double t) => t * TrainSteps - 1;

    /// <summary>softplus(x) = log(1 + e^x), without overflow.</summary>
    internal static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

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
