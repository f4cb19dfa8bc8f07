using System.Security.Cryptography;
using System.Text;

namespace HsoService.Optimization.NoiseSchedules;

/// <summary>
/// A rectified flow, x_s = (1 - s) x0 + s eps, with t the flow sigma s in [1/N, 1]: alpha = 1 - s, sigma = s,
/// lambda = log((1 - s) / s), d lambda / ds = -1 / (s (1 - s)), d2 lambda / ds2 = (1 - 2 s) / (s (1 - s))^2. The
/// shift of a FlowMatchEulerDiscreteScheduler config does not change this process, only the sigmas its scheduler
/// visits by default (<see cref="FlowTimeShift"/>), so every flow of N trained steps has one hash. t = 1 is pure
/// noise: lambda = -infinity there, which the data-prediction solvers meet as a first-order step (e^{-h} = 0).
/// </summary>
public sealed class RectifiedFlowSchedule : NoiseSchedule
{
    internal RectifiedFlowSchedule(SchedulerConfig config)
        : base(config)
    {
        Settings = config.FlowMatch ?? throw new ArgumentException("not a flow-matching config", nameof(config));
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"rectified-flow:{TrainSteps}"));
        Hash = Convert.ToHexStringLower(bytes)[..16];
    }

    /// <summary>The scheduler's shift settings (they choose the default sigmas, not the process).</summary>
    public FlowMatchSettings Settings { get; }

    public override string Hash { get; }

    public override LambdaForm Form => LambdaForm.RectifiedFlow;

    public override double LargestFiniteTime => 1.0 - TMin;

    public override double LogAlpha(double t) => Math.Log(1 - Clamp(t));

    public override double Alpha(double t) => 1 - Clamp(t);

    public override double Sigma(double t) => Clamp(t);

    public override double Lambda(double t)
    {
        var s = Clamp(t);
        return Math.Log(1 - s) - Math.Log(s);
    }

    public override double Lambda(double t, out double slope, out double curvature)
    {
        var s = Clamp(t);
        var product = s * (1 - s);
        slope = s == t ? -1 / product : 0;
        curvature = s == t ? (1 - 2 * s) / (product * product) : 0;
        return Math.Log(1 - s) - Math.Log(s);
    }

    /// <summary>s = sigmoid(-lambda) = 1 / (1 + e^lambda), clamped to [1/N, 1].</summary>
    public override double TFromLambda(double lambda) => Clamp(1 / (1 + Math.Exp(lambda)));

    public override double SchedulerSigma(double t) => Clamp(t);

    /// <summary>The flow timestep 1000 s (N s), as SD3's transformer and FlowMatchEulerDiscreteScheduler's timesteps take it.</summary>
    public override double ModelTime(double t) => Clamp(t) * TrainSteps;

    private double Clamp(double t) => Math.Clamp(t, TMin, 1.0);
}
