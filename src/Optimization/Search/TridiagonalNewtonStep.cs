namespace HsoService.Optimization.Search;

/// <summary>
/// The Newton step of a function whose Hessian is tridiagonal, over the interior indices 1..n-2 (the ends are fixed):
/// solves H step = -gradient by the Thomas algorithm, which succeeds exactly when H is positive definite.
/// </summary>
internal static class TridiagonalNewtonStep
{
    /// <summary>
    /// Writes the step into <paramref name="step"/> and returns the directional derivative gradient . step (negative for
    /// a descent step). When a pivot is not positive, H is not positive definite: the step is steepest descent instead.
    /// <paramref name="offDiagonal"/>[i] couples i and i + 1; <paramref name="scratch"/> is workspace.
    /// </summary>
    public static double Solve(
        ReadOnlySpan<double> diagonal, ReadOnlySpan<double> offDiagonal, ReadOnlySpan<double> gradient, Span<double> step, Span<double> scratch)
    {
        var last = gradient.Length - 2;
        if (!TrySolve(diagonal, offDiagonal, gradient, step, scratch, last))
        {
            for (var i = 1; i <= last; i++)
            {
                step[i] = -gradient[i];
            }
        }

        var slope = 0.0;
        for (var i = 1; i <= last; i++)
        {
            slope += gradient[i] * step[i];
        }

        return slope;
    }

    private static bool TrySolve(
        ReadOnlySpan<double> diagonal, ReadOnlySpan<double> offDiagonal, ReadOnlySpan<double> gradient, Span<double> step, Span<double> scratch, int last)
    {
        var pivot = diagonal[1];
        if (!(pivot > 0))
        {
            return false;
        }

        scratch[1] = offDiagonal[1] / pivot;
        step[1] = -gradient[1] / pivot;
        for (var i = 2; i <= last; i++)
        {
            pivot = diagonal[i] - offDiagonal[i - 1] * scratch[i - 1];
            if (!(pivot > 0))
            {
                return false;
            }

            scratch[i] = offDiagonal[i] / pivot;
            step[i] = (-gradient[i] - offDiagonal[i - 1] * step[i - 1]) / pivot;
        }

        for (var i = last - 1; i >= 1; i--)
        {
            step[i] -= scratch[i] * step[i + 1];
        }

        return true;
    }
}
