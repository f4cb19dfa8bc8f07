using MathNet.Numerics.LinearAlgebra;

namespace HsoService.Inference.Evaluation;

/// <summary>
/// The Frechet distance between two Gaussians fitted to feature sets (Heusel et al., 2017, as in FID):
/// |mu_1 - mu_2|^2 + Tr(S_1) + Tr(S_2) - 2 Tr((S_1 S_2)^(1/2)). The trace of the matrix square root is taken as
/// sum sqrt(eig(S_1^(1/2) S_2 S_1^(1/2))), a symmetric positive semi-definite matrix with the same eigenvalues as S_1 S_2.
/// </summary>
public static class FrechetDistance
{
    public static double Compute(FeatureStatistics a, FeatureStatistics b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Mean.Count != b.Mean.Count)
        {
            throw new ArgumentException($"feature dimensions differ: {a.Mean.Count} and {b.Mean.Count}");
        }

        var difference = a.Mean - b.Mean;
        var rootA = SymmetricSquareRoot(a.Covariance);
        var product = rootA * b.Covariance * rootA;
        product = (product + product.Transpose()) / 2;
        var traceRoot = product.Evd(Symmetricity.Symmetric).EigenValues.Sum(e => Math.Sqrt(Math.Max(e.Real, 0)));
        return difference.DotProduct(difference) + a.Covariance.Trace() + b.Covariance.Trace() - 2 * traceRoot;
    }

    private static Matrix<double> SymmetricSquareRoot(Matrix<double> matrix)
    {
        var evd = matrix.Evd(Symmetricity.Symmetric);
        var roots = Vector<double>.Build.Dense(evd.EigenValues.Count, i => Math.Sqrt(Math.Max(evd.EigenValues[i].Real, 0)));
        return evd.EigenVectors * Matrix<double>.Build.DiagonalOfDiagonalVector(roots) * evd.EigenVectors.Transpose();
    }
}
