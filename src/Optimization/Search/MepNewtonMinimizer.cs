using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Objective;

namespace HsoService.Optimization.Search;

/// <summary>
/// Newton's method for MEP over the interior lambdas with the endpoints fixed. MEP's Hessian is tridiagonal, so each
/// step is an O(N) Thomas solve; with a backtracking (Armijo) line search that also keeps the lambdas in ascending
/// order it converges in a handful of steps. A general quasi-Newton (MathNet's L-BFGS) reaches the same minimum but
/// spends about 100 us per solve on bookkeeping, and the upper level runs hundreds to thousands of solves.
/// Allocation-free after construction; not thread-safe (one instance per search).
/// </summary>
public sealed class MepNewtonMinimizer
{
    private const int MaxIterations = 60;
    private readonly double[] _gradient;
    private readonly double[] _diagonal;
    private readonly double[] _offDiagonal;
    private readonly double[] _step;
    private readonly double[] _trial;
    private readonly double[] _scratch;
    private readonly double _p;
    private readonly LambdaForm _form;

    /// <summary>A minimizer for schedules of <paramref name="pointCount"/> lambdas with exponent <paramref name="p"/>.</summary>
    public MepNewtonMinimizer(int pointCount, LambdaForm form, double p)
    {
        _gradient = new double[pointCount];
        _diagonal = new double[pointCount];
        _offDiagonal = new double[pointCount];
        _step = new double[pointCount];
        _trial = new double[pointCount];
        _scratch = new double[pointCount];
        _p = p;
        _form = form;
    }

    /// <summary>
    /// Minimises MEP in place over lambdas[1..^1] (ascending). Returns true when the gradient vanished to working
    /// precision; false leaves the best point found so far in <paramref name="lambdas"/>.
    /// </summary>
    public bool Minimize(Span<double> lambdas)
    {
        var count = lambdas.Length;
        if (count <= 2)
        {
            return true;
        }

        var value = MidpointErrorProxy.ValueGradientHessian(lambdas, _gradient, _diagonal, _offDiagonal, _form, _p);
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            var gradientNorm = 0.0;
            for (var i = 1; i < count - 1; i++)
            {
                gradientNorm = Math.Max(gradientNorm, Math.Abs(_gradient[i]));
            }

            if (gradientNorm <= 1e-12 * Math.Max(1, Math.Abs(value)))
            {
                return true;
            }

            var slope = TridiagonalNewtonStep.Solve(
                _diagonal.AsSpan(0, count), _offDiagonal.AsSpan(0, count), _gradient.AsSpan(0, count), _step, _scratch);
            if (-slope <= 1e-14 * Math.Max(1, Math.Abs(value)))
            {
                // Newton decrement below what a double can resolve in the value: converged.
                return true;
            }

            var alpha = 1.0;
            var accepted = false;
            for (var halving = 0; halving < 40; halving++, alpha *= 0.5)
            {
                lambdas.CopyTo(_trial);
                var ordered = true;
                for (var i = 1; i < count - 1; i++)
                {
                    _trial[i] = lambdas[i] + alpha * _step[i];
                }

                for (var i = 0; i + 1 < count; i++)
                {
                    ordered &= _trial[i] < _trial[i + 1];
                }

                if (!ordered)
                {
                    continue;
                }

                var trialValue = MidpointErrorProxy.Value(_trial, _form, _p);
                if (trialValue <= value + 1e-4 * alpha * slope)
                {
                    accepted = true;
                    break;
                }
            }

            if (!accepted)
            {
                // No decrease is representable any more: we are at the minimum to rounding.
                return gradientNorm <= 1e-7 * Math.Max(1, Math.Abs(value));
            }

            _trial.AsSpan(0, count).CopyTo(lambdas);
            value = MidpointErrorProxy.ValueGradientHessian(lambdas, _gradient, _diagonal, _offDiagonal, _form, _p);
        }

        return false;
    }
}
