namespace HsoService.Optimization.NoiseSchedules;

/// <summary>
/// A model's noise process x_t = alpha(t) x0 + sigma(t) eps over continuous time t in [1/N, 1], with lambda =
/// log(alpha / sigma) the half log-SNR: a trained DDPM schedule (<see cref="VariancePreservingSchedule"/>,
/// alpha^2 + sigma^2 = 1) or a rectified flow (<see cref="RectifiedFlowSchedule"/>, alpha + sigma = 1, t the flow
/// sigma). The samplers and the optimizer are written in alpha, sigma and lambda alone, so they serve both. Trained
/// step k = 0..N-1 sits at t = (k + 1)/N in both. All conversions are pure and allocation-free.
/// </summary>
public abstract class NoiseSchedule
{
    private protected NoiseSchedule(SchedulerConfig config) => Config = config;

    /// <summary>The scheduler config this schedule was built from.</summary>
    public SchedulerConfig Config { get; }

    /// <summary>Number of trained timesteps N.</summary>
    public int TrainSteps => Config.NumTrainTimesteps;

    /// <summary>Smallest continuous time, 1/N.</summary>
    public double TMin => 1.0 / TrainSteps;

    /// <summary>First 16 hex digits of SHA-256 over what defines the process: identifies the schedule in cache keys.</summary>
    public abstract string Hash { get; }

    /// <summary>How alpha and sigma follow from lambda (the MEP's closed form depends on it).</summary>
    public abstract LambdaForm Form { get; }

    /// <summary>
    /// The largest time whose lambda is finite: 1 for a DDPM schedule; 1 - 1/N for a flow, whose t = 1 is pure noise
    /// (alpha = 0, lambda = -infinity). Samplers may start at t = 1; lambda-based spacing and MEP stop here.
    /// </summary>
    public abstract double LargestFiniteTime { get; }

    /// <summary>True for a rectified flow.</summary>
    public bool IsFlow => Form == LambdaForm.RectifiedFlow;

    public abstract double LogAlpha(double t);

    public abstract double Alpha(double t);

    public abstract double Sigma(double t);

    /// <summary>Half log-SNR lambda(t) = log(alpha / sigma).</summary>
    public abstract double Lambda(double t);

    /// <summary>lambda(t) with d lambda / dt.</summary>
    public double Lambda(double t, out double slope) => Lambda(t, out slope, out _);

    /// <summary>lambda(t) with its first and second derivatives in t.</summary>
    public abstract double Lambda(double t, out double slope, out double curvature);

    /// <summary>lambda at t clamped to <see cref="LargestFiniteTime"/>: what spacing rules and the MEP read.</summary>
    public double FiniteLambda(double t) => Lambda(Math.Min(t, LargestFiniteTime));

    /// <summary>Inverse of <see cref="Lambda(double)"/>: the t whose lambda is the given value, clamped to [1/N, 1].</summary>
    public abstract double TFromLambda(double lambda);

    /// <summary>EDM (Karras) sigma = sigma / alpha.</summary>
    public double EdmSigma(double t) => Math.Exp(-Lambda(t));

    /// <summary>Inverse of <see cref="EdmSigma"/>.</summary>
    public double TFromEdmSigma(double edmSigma)
    {
        if (!(edmSigma > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(edmSigma), edmSigma, "edm sigma must be positive");
        }

        return TFromLambda(-Math.Log(edmSigma));
    }

    /// <summary>
    /// The sigma the model's own diffusers scheduler speaks in: the EDM sigma sigma/alpha for a DDPM schedule
    /// (EulerDiscreteScheduler, k-diffusion), the flow sigma s = t for a flow (FlowMatchEulerDiscreteScheduler).
    /// </summary>
    public abstract double SchedulerSigma(double t);

    /// <summary>The trained discrete step for a continuous t: clamp(round(t N) - 1, 0, N - 1), rounding half to even like numpy.</summary>
    public int DiscreteTimestep(double t) =>
        (int)Math.Clamp(Math.Round(t * TrainSteps, MidpointRounding.ToEven) - 1, 0, TrainSteps - 1);

    /// <summary>The continuous timestep a network takes: t N - 1 for a DDPM network, 1000 s (t N) for a flow network.</summary>
    public abstract double ModelTime(double t);

    /// <summary>Builds the schedule a validated config describes: a rectified flow for a flow-matching config, else the DDPM betas.</summary>
    public static NoiseSchedule FromConfig(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return config.FlowMatch is null ? new VariancePreservingSchedule(config) : new RectifiedFlowSchedule(config);
    }

    /// <summary>Parses <c>scheduler_config.json</c> text and builds its schedule.</summary>
    public static NoiseSchedule FromJson(string json) => FromConfig(SchedulerConfig.Parse(json));

    /// <summary>softplus(x) = log(1 + e^x), without overflow.</summary>
    internal static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));
}
