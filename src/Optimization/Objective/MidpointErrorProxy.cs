using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Optimization.Objective;

/// <summary>
/// The Midpoint Error Proxy of HSO (HSO-SPEC section 2) over a schedule given as ascending half log-SNRs
/// lambda_0 &lt; ... &lt; lambda_N (lambda ascends as t descends):
/// MEP = sum_i eps_tilde(lambda_{i+1/2}) (e^{lambda_{i+1}} - e^{lambda_i}), eps_tilde = sigma^p / alpha.
/// </summary>
/// <remarks>
/// Where alpha^k + sigma^k = 1 (<see cref="LambdaForm"/>: k = 2 variance preserving, k = 1 a rectified flow) alpha
/// and sigma are functions of lambda alone (alpha^k = sigmoid(k lambda), sigma^k = sigmoid(-k lambda)), so
/// eps_tilde(lambda) = sigma^p / alpha has the closed form log eps_tilde = -(p/k) softplus(k lambda) + (1/k)
/// softplus(-k lambda), with g' = -p s - (1 - s) and g'' = k s (1 - s)(1 - p), s = sigmoid(k lambda). That makes the
/// gradient exact and cheap. The VP form is not the flow's: a flow at the same lambda is the VP process scaled by
/// r = sqrt(alpha^2 + sigma^2), so sigma^p / alpha differs by r^(p-1), and each process gets its own.
/// </remarks>
public static class MidpointErrorProxy
{
    /// <summary>The exponent p of sigma in eps_tilde that the paper uses.</summary>
    public const double DefaultP = 2.0;

    /// <summary>eps_tilde(lambda) = sigma^p / alpha, and its derivative in lambda.</summary>
    public static double EpsTilde(double lambda, LambdaForm form, double p, out double derivative)
    {
        var k = form.Exponent;
        var value = Math.Exp((-p * NoiseSchedule.Softplus(k * lambda) + NoiseSchedule.Softplus(-k * lambda)) / k);
        // d/d lambda of log eps_tilde = -p sigmoid(k lambda) - sigmoid(-k lambda)
        var sigmoid = 1.0 / (1.0 + Math.Exp(-k * lambda));
        derivative = value * (-p * sigmoid - (1 - sigmoid));
        return value;
    }

    /// <summary>MEP of ascending lambdas.</summary>
    public static double Value(ReadOnlySpan<double> lambdas, LambdaForm form, double p = DefaultP)
    {
        var sum = 0.0;
        for (var i = 0; i + 1 < lambdas.Length; i++)
        {
            var mid = 0.5 * (lambdas[i] + lambdas[i + 1]);
            sum += EpsTilde(mid, form, p, out _) * (Math.Exp(lambdas[i + 1]) - Math.Exp(lambdas[i]));
        }

        return sum;
    }

    /// <summary>
    /// MEP of ascending lambdas and its gradient with respect to every lambda (endpoints included), written
    /// into <paramref name="gradient"/> (same length as <paramref name="lambdas"/>).
    /// </summary>
    public static double ValueAndGradient(ReadOnlySpan<double> lambdas, Span<double> gradient, LambdaForm form, double p = DefaultP)
    {
        if (gradient.Length != lambdas.Length)
        {
            throw new ArgumentException($"gradient has length {gradient.Length}, lambdas {lambdas.Length}", nameof(gradient));
        }

        gradient.Clear();
        var sum = 0.0;
        var expLow = Math.Exp(lambdas[0]);
        for (var i = 0; i + 1 < lambdas.Length; i++)
        {
            var expHigh = Math.Exp(lambdas[i + 1]);
            var width = expHigh - expLow;
            var f = EpsTilde(0.5 * (lambdas[i] + lambdas[i + 1]), form, p, out var df);
            sum += f * width;
            // d/d lambda_i: df/2 * width - f e^{lambda_i};  d/d lambda_{i+1}: df/2 * width + f e^{lambda_{i+1}}
            gradient[i] += 0.5 * df * width - f * expLow;
            gradient[i + 1] += 0.5 * df * width + f * expHigh;
            expLow = expHigh;
        }

        return sum;
    }

    /// <summary>
    /// MEP with its gradient and its Hessian, which is tridiagonal because each term couples two neighbours:
    /// <paramref name="diagonal"/>[i] = d2 MEP / d lambda_i^2, <paramref name="offDiagonal"/>[i] = d2 MEP / d lambda_i d lambda_{i+1}.
    /// </summary>
    public static double ValueGradientHessian(
        ReadOnlySpan<double> lambdas, Span<double> gradient, Span<double> diagonal, Span<double> offDiagonal, LambdaForm form, double p = DefaultP)
    {
        if (gradient.Length != lambdas.Length || diagonal.Length != lambdas.Length || offDiagonal.Length < lambdas.Length - 1)
        {
            throw new ArgumentException("gradient and diagonal need one value per lambda, offDiagonal one per interval");
        }

        gradient.Clear();
        diagonal.Clear();
        var sum = 0.0;
        var expLow = Math.Exp(lambdas[0]);
        for (var i = 0; i + 1 < lambdas.Length; i++)
        {
            var expHigh = Math.Exp(lambdas[i + 1]);
            var width = expHigh - expLow;
            var mid = 0.5 * (lambdas[i] + lambdas[i + 1]);
            var f = EpsTilde(mid, form, p, out var df);
            // f = e^g with g' = -p s - (1 - s), g'' = k s (1 - s)(1 - p), s = sigmoid(k lambda); f'' = f (g'^2 + g'')
            var s = 1.0 / (1.0 + Math.Exp(-form.Exponent * mid));
            var slope = -p * s - (1 - s);
            var d2f = f * (slope * slope + form.Exponent * s * (1 - s) * (1 - p));
            sum += f * width;
            gradient[i] += 0.5 * df * width - f * expLow;
            gradient[i + 1] += 0.5 * df * width + f * expHigh;
            diagonal[i] += 0.25 * d2f * width - (df + f) * expLow;
            diagonal[i + 1] += 0.25 * d2f * width + (df + f) * expHigh;
            offDiagonal[i] = 0.25 * d2f * width + 0.5 * df * (expHigh - expLow);
            expLow = expHigh;
        }

        return sum;
    }
}
