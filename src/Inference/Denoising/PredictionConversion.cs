using System.Numerics.Tensors;

namespace HsoService.Inference.Denoising;

/// <summary>
/// Converts a network output at x = alpha x0 + sigma eps into the data prediction x0 and the noise prediction eps.
/// epsilon: x0 = (x - sigma eps) / alpha. v (alpha^2 + sigma^2 = 1): x0 = alpha x - sigma v, eps = sigma x + alpha v.
/// sample: eps = (x - alpha x0) / sigma. Flow velocity (alpha + sigma = 1, v = eps - x0): x0 = x - sigma v,
/// eps = x + alpha v.
/// </summary>
public static class PredictionConversion
{
    /// <summary>Writes x0 into <paramref name="data"/>, which may be <paramref name="output"/> itself but must not overlap <paramref name="x"/>.</summary>
    public static void ToData(PredictionType type, ReadOnlySpan<float> output, ReadOnlySpan<float> x, double alpha, double sigma, Span<float> data)
    {
        if (data.Overlaps(x))
        {
            throw new ArgumentException("the data prediction cannot be written over x", nameof(data));
        }

        switch (type)
        {
            case PredictionType.Epsilon:
                // x0 = x / alpha - (sigma / alpha) eps
                TensorPrimitives.Multiply(output, (float)(-sigma / alpha), data);
                TensorPrimitives.MultiplyAdd(x, (float)(1 / alpha), data, data);
                break;
            case PredictionType.VPrediction:
                TensorPrimitives.Multiply(output, (float)-sigma, data);
                TensorPrimitives.MultiplyAdd(x, (float)alpha, data, data);
                break;
            case PredictionType.Sample:
                if (!data.Overlaps(output))
                {
                    output.CopyTo(data);
                }

                break;
            case PredictionType.FlowVelocity:
                // x0 = x - sigma v
                TensorPrimitives.Multiply(output, (float)-sigma, data);
                TensorPrimitives.Add(x, data, data);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, null);
        }
    }

    /// <summary>Writes eps into <paramref name="noise"/>, which may be <paramref name="output"/> itself but must not overlap <paramref name="x"/>.</summary>
    public static void ToNoise(PredictionType type, ReadOnlySpan<float> output, ReadOnlySpan<float> x, double alpha, double sigma, Span<float> noise)
    {
        if (noise.Overlaps(x))
        {
            throw new ArgumentException("the noise prediction cannot be written over x", nameof(noise));
        }

        switch (type)
        {
            case PredictionType.Epsilon:
                if (!noise.Overlaps(output))
                {
                    output.CopyTo(noise);
                }

                break;
            case PredictionType.VPrediction:
                TensorPrimitives.Multiply(output, (float)alpha, noise);
                TensorPrimitives.MultiplyAdd(x, (float)sigma, noise, noise);
                break;
            case PredictionType.Sample:
                // eps = x / sigma - (alpha / sigma) x0
                TensorPrimitives.Multiply(output, (float)(-alpha / sigma), noise);
                TensorPrimitives.MultiplyAdd(x, (float)(1 / sigma), noise, noise);
                break;
            case PredictionType.FlowVelocity:
                // eps = x + alpha v
                TensorPrimitives.Multiply(output, (float)alpha, noise);
                TensorPrimitives.Add(x, noise, noise);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, null);
        }
    }

    /// <summary>The network output of the given type that corresponds to (x0, eps): the inverse of the two above.</summary>
    public static void FromDataAndNoise(PredictionType type, ReadOnlySpan<float> data, ReadOnlySpan<float> noise, double alpha, double sigma, Span<float> output)
    {
        switch (type)
        {
            case PredictionType.Epsilon:
                noise.CopyTo(output);
                break;
            case PredictionType.VPrediction:
                TensorPrimitives.Multiply(data, (float)-sigma, output);
                TensorPrimitives.MultiplyAdd(noise, (float)alpha, output, output);
                break;
            case PredictionType.Sample:
                data.CopyTo(output);
                break;
            case PredictionType.FlowVelocity:
                TensorPrimitives.Subtract(noise, data, output);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, null);
        }
    }
}
