using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Objective;

namespace HsoService.Optimization.Tests.Objective;

public class MidpointErrorProxyTests
{
    private static double[] RandomAscending(Random random, int count)
    {
        var lambdas = new double[count];
        lambdas[0] = -3 + random.NextDouble();
        for (var i = 1; i < count; i++)
        {
            lambdas[i] = lambdas[i - 1] + 0.1 + random.NextDouble();
        }

        return lambdas;
    }

    /// <summary>k in alpha^k + sigma^k = 1: 2 for a DDPM schedule, 1 for a rectified flow.</summary>
    private static LambdaForm Form(double k) => new(k);

    [Theory]
    [InlineData(3, 2.0, 2.0)]
    [InlineData(6, 2.0, 2.0)]
    [InlineData(11, 2.0, 2.0)]
    [InlineData(6, 1.5, 2.0)]
    [InlineData(6, 2.0, 1.0)]
    [InlineData(11, 1.5, 1.0)]
    public void Analytic_gradient_matches_central_differences(int count, double p, double k)
    {
        var form = Form(k);
        var random = new Random(count);
        for (var trial = 0; trial < 20; trial++)
        {
            var lambdas = RandomAscending(random, count);
            var gradient = new double[count];
            MidpointErrorProxy.ValueAndGradient(lambdas, gradient, form, p);
            for (var i = 0; i < count; i++)
            {
                const double h = 1e-5;
                var plus = (double[])lambdas.Clone();
                var minus = (double[])lambdas.Clone();
                plus[i] += h;
                minus[i] -= h;
                var numeric = (MidpointErrorProxy.Value(plus, form, p) - MidpointErrorProxy.Value(minus, form, p)) / (2 * h);
                Assert.True(
                    Math.Abs(numeric - gradient[i]) <= 1e-6 * Math.Max(Math.Abs(gradient[i]), 1e-3),
                    $"d/dlambda_{i}: analytic {gradient[i]}, numeric {numeric}");
            }
        }
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(1.0)]
    public void Analytic_hessian_matches_differences_of_the_gradient(double k)
    {
        var form = Form(k);
        var random = new Random(3);
        const int count = 7;
        var lambdas = RandomAscending(random, count);
        var gradient = new double[count];
        var diagonal = new double[count];
        var offDiagonal = new double[count];
        var value = MidpointErrorProxy.ValueGradientHessian(lambdas, gradient, diagonal, offDiagonal, form);
        Assert.Equal(MidpointErrorProxy.Value(lambdas, form), value, 14);
        for (var i = 0; i < count; i++)
        {
            const double h = 1e-6;
            var plus = (double[])lambdas.Clone();
            var minus = (double[])lambdas.Clone();
            plus[i] += h;
            minus[i] -= h;
            var gradientPlus = new double[count];
            var gradientMinus = new double[count];
            MidpointErrorProxy.ValueAndGradient(plus, gradientPlus, form);
            MidpointErrorProxy.ValueAndGradient(minus, gradientMinus, form);
            for (var j = 0; j < count; j++)
            {
                var numeric = (gradientPlus[j] - gradientMinus[j]) / (2 * h);
                var analytic = j == i ? diagonal[i] : j == i + 1 ? offDiagonal[i] : j == i - 1 ? offDiagonal[j] : 0;
                Assert.True(Math.Abs(numeric - analytic) <= 1e-5 * Math.Max(Math.Abs(analytic), 1), $"H[{i},{j}]: analytic {analytic}, numeric {numeric}");
            }
        }
    }

    [Theory]
    [InlineData("sd")]
    [InlineData("flow")]
    public void Two_interval_value_matches_the_definition_through_the_noise_schedule(string name)
    {
        // Another route: eps_tilde from the schedule's own alpha and sigma at t(lambda_mid), as the spec writes it.
        var noise = name == "flow" ? Noise.Flow : Noise.Sd;
        var times = new[] { 0.9, 0.45, 0.05 };
        var lambdas = times.Select(noise.Lambda).ToArray();
        var expected = 0.0;
        for (var i = 0; i < 2; i++)
        {
            var t = noise.TFromLambda(0.5 * (lambdas[i] + lambdas[i + 1]));
            var epsTilde = Math.Pow(noise.Sigma(t), 2) / noise.Alpha(t);
            expected += epsTilde * (Math.Exp(lambdas[i + 1]) - Math.Exp(lambdas[i]));
        }

        Assert.Equal(expected, MidpointErrorProxy.Value(lambdas, noise.Form), 10);
        Assert.InRange(expected, 1, 10);
    }

    [Fact]
    public void Eps_tilde_equals_sigma_squared_over_alpha()
    {
        foreach (var lambda in new[] { -4.0, -0.5, 0.0, 2.5 })
        {
            var alpha = Math.Sqrt(1 / (1 + Math.Exp(-2 * lambda)));
            var sigma = Math.Sqrt(1 / (1 + Math.Exp(2 * lambda)));
            Assert.Equal(sigma * sigma / alpha, MidpointErrorProxy.EpsTilde(lambda, LambdaForm.VariancePreserving, 2, out _), 12);
            // The flow at the same lambda: alpha = 1 - s, sigma = s with s = sigmoid(-lambda); not the VP value.
            var s = 1 / (1 + Math.Exp(lambda));
            Assert.Equal(s * s / (1 - s), MidpointErrorProxy.EpsTilde(lambda, LambdaForm.RectifiedFlow, 2, out _), 12);
            Assert.NotEqual(sigma * sigma / alpha, s * s / (1 - s), 6);
        }
    }
}
