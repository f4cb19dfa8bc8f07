using MathNet.Numerics.LinearAlgebra;

namespace HsoService.Inference.Evaluation;

/// <summary>Mean and covariance (unbiased, N - 1) of a set of feature vectors: what a Frechet distance compares.</summary>
public sealed record FeatureStatistics(Vector<double> Mean, Matrix<double> Covariance, int Count)
{
    /// <summary>Statistics of <paramref name="count"/> rows of <paramref name="dimension"/> features each.</summary>
    public static FeatureStatistics From(ReadOnlySpan<float> features, int count, int dimension)
    {
        if (count < 2)
        {
            throw new ArgumentException($"need at least 2 samples for a covariance, got {count}", nameof(count));
        }

        var mean = new double[dimension];
        for (var i = 0; i < count; i++)
        {
            for (var d = 0; d < dimension; d++)
            {
                mean[d] += features[i * dimension + d];
            }
        }

        for (var d = 0; d < dimension; d++)
        {
            mean[d] /= count;
        }

        var covariance = new double[dimension, dimension];
        var centered = new double[dimension];
        for (var i = 0; i < count; i++)
        {
            for (var d = 0; d < dimension; d++)
            {
                centered[d] = features[i * dimension + d] - mean[d];
            }

            for (var a = 0; a < dimension; a++)
            {
                for (var b = a; b < dimension; b++)
                {
                    covariance[a, b] += centered[a] * centered[b];
                }
            }
        }

        for (var a = 0; a < dimension; a++)
        {
            for (var b = a; b < dimension; b++)
            {
                covariance[a, b] /= count - 1;
                covariance[b, a] = covariance[a, b];
            }
        }

        return new FeatureStatistics(Vector<double>.Build.DenseOfArray(mean), Matrix<double>.Build.DenseOfArray(covariance), count);
    }
}
