namespace HsoService.Optimization.NoiseSchedules;

/// <summary>
/// How alpha and sigma follow from lambda = log(alpha / sigma) in a noise process where alpha^k + sigma^k = 1:
/// alpha = sigmoid(k lambda)^(1/k) and sigma = sigmoid(-k lambda)^(1/k). k = 2 is variance preserving (DDPM);
/// k = 1 is a rectified flow (alpha = 1 - s, sigma = s). The MEP's eps_tilde = sigma^p / alpha is written in it.
/// </summary>
public readonly record struct LambdaForm(double Exponent)
{
    /// <summary>alpha^2 + sigma^2 = 1.</summary>
    public static LambdaForm VariancePreserving { get; } = new(2);

    /// <summary>alpha + sigma = 1.</summary>
    public static LambdaForm RectifiedFlow { get; } = new(1);
}
