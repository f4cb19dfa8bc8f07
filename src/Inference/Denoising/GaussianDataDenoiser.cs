using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Inference.Denoising;

/// <summary>
/// The exact denoiser for Gaussian data x0 ~ N(mu, s^2 I) under a noise schedule: E[x0 | x_t] =
/// mu + alpha s^2 / (alpha^2 s^2 + sigma^2) (x_t - alpha mu). Its probability-flow ODE has the closed-form solution
/// x_t = alpha_t mu + sqrt(alpha_t^2 s^2 + sigma_t^2) z with z constant along the path (<see cref="ExactSolution"/>),
/// which is what makes sampler convergence orders testable without a network. It emulates a network of
/// <paramref name="predictionType"/>: the output of that type is made first and converted back at the boundary, as a
/// real network's is.
/// </summary>
public sealed class GaussianDataDenoiser(NoiseSchedule noise, double mean, double std, int batchSize, int sampleSize, PredictionType predictionType = PredictionType.Epsilon)
    : IDenoiser
{
    public int BatchSize => batchSize;

    public int SampleSize => sampleSize;

    public bool DiscreteTime => false;

    private float[] _output = [];

    /// <summary>Number of <see cref="Predict"/> calls so far.</summary>
    public int Evaluations { get; private set; }

    public void Predict(ReadOnlySpan<float> x, double t, Span<float> data, Span<float> noisePrediction)
    {
        if (_output.Length != x.Length)
        {
            _output = new float[x.Length];
        }

        var output = _output;
        Evaluations++;
        var alpha = noise.Alpha(t);
        var sigma = noise.Sigma(t);
        var gain = alpha * std * std / (alpha * alpha * std * std + sigma * sigma);
        for (var i = 0; i < x.Length; i++)
        {
            var clean = mean + gain * (x[i] - alpha * mean);
            output[i] = predictionType switch
            {
                PredictionType.Epsilon => (float)((x[i] - alpha * clean) / sigma),
                PredictionType.VPrediction => (float)(alpha * (x[i] - alpha * clean) / sigma - sigma * clean),
                PredictionType.FlowVelocity => (float)((x[i] - alpha * clean) / sigma - clean),
                _ => (float)clean,
            };
        }

        PredictionConversion.ToData(predictionType, output, x, alpha, sigma, data);
        if (!noisePrediction.IsEmpty)
        {
            PredictionConversion.ToNoise(predictionType, output, x, alpha, sigma, noisePrediction);
        }
    }

    /// <summary>The exact ODE solution at <paramref name="to"/> of the path through x at <paramref name="from"/>.</summary>
    public double ExactSolution(double x, double from, double to)
    {
        double Spread(double t) => Math.Sqrt(Math.Pow(noise.Alpha(t) * std, 2) + Math.Pow(noise.Sigma(t), 2));
        var z = (x - noise.Alpha(from) * mean) / Spread(from);
        return noise.Alpha(to) * mean + Spread(to) * z;
    }
}
