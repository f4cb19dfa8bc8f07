using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Objective;

namespace HsoService.Optimization.Search;

/// <summary>
/// The robust lower level: minimise MEP over the interior times t_1..t_{N-1} subject to every gap
/// t_k - t_{k+1} &gt;= d_min(NFE), so the spacing penalty is zero by construction. Solved by a log-barrier interior-point
/// method: Newton on MEP(t) - mu sum_k log(t_k - t_{k+1} - d) for mu = 1e-5 down to 1e-13 in factors of 100 (a duality gap of N mu).
/// Both MEP's Hessian in t (chain rule through d lambda/dt = (d log alpha/dt) / sigma^2) and the barrier's are
/// tridiagonal, so a step costs O(N). Every iterate is strictly feasible. A softmax parametrisation of the gaps with
/// L-BFGS reaches the same minimum, but an active gap sends its logit towards minus infinity and takes ~50 iterations.
/// </summary>
public sealed class SpacedRefinement
{
    // A hair above d_min so that rounding in t_k - t_{k+1} can never dip below it and leave a 1e-25 penalty.
    private const double GapMargin = 1e-12;
    private const double FirstBarrierWeight = 1e-5;
    private const double LastBarrierWeight = 1e-13;
    private const int MaxNewtonStepsPerWeight = 30;

    private readonly NoiseSchedule _noise;
    private readonly int _nfe;
    private readonly double _p;
    private readonly double _minimumGap;
    private readonly double[] _lambdas;
    private readonly double[] _lambdaGradient;
    private readonly double[] _lambdaDiagonal;
    private readonly double[] _lambdaOffDiagonal;
    private readonly double[] _lambdaSlope;
    private readonly double[] _lambdaCurvature;
    private readonly double[] _gradient;
    private readonly double[] _diagonal;
    private readonly double[] _offDiagonal;
    private readonly double[] _step;
    private readonly double[] _scratch;
    private readonly double[] _trial;

    /// <summary>A refinement for schedules of <paramref name="pointCount"/> times at the given NFE and p; reuses its buffers.</summary>
    public SpacedRefinement(NoiseSchedule noise, int pointCount, int nfe, double p)
    {
        _noise = noise;
        _nfe = nfe;
        _p = p;
        _minimumGap = SpacingPenalty.MinimumGap(nfe) + GapMargin;
        _lambdas = new double[pointCount];
        _lambdaGradient = new double[pointCount];
        _lambdaDiagonal = new double[pointCount];
        _lambdaOffDiagonal = new double[pointCount];
        _lambdaSlope = new double[pointCount];
        _lambdaCurvature = new double[pointCount];
        _gradient = new double[pointCount];
        _diagonal = new double[pointCount];
        _offDiagonal = new double[pointCount];
        _step = new double[pointCount];
        _scratch = new double[pointCount];
        _trial = new double[pointCount];
    }

    /// <summary>True when N gaps of at least d_min(NFE) fit between eps and T_max.</summary>
    private static bool IsFeasible(int intervals, int nfe, double eps, double tMax) =>
        intervals * (SpacingPenalty.MinimumGap(nfe) + GapMargin) < tMax - eps;

    /// <summary>
    /// Refines descending start times (endpoints kept) under the spacing rule. Returns null when the rule cannot be met
    /// between these endpoints.
    /// </summary>
    public Refinement? Refine(double[] startTimes)
    {
        var count = startTimes.Length;
        var intervals = count - 1;
        var tMax = startTimes[0];
        var eps = startTimes[^1];
        if (!IsFeasible(intervals, _nfe, eps, tMax))
        {
            return null;
        }

        var times = FeasibleStart(startTimes);
        if (count > 2)
        {
            for (var mu = FirstBarrierWeight; mu >= LastBarrierWeight * 0.999; mu *= 0.01)
            {
                for (var step = 0; step < MaxNewtonStepsPerWeight; step++)
                {
                    if (!NewtonStep(times, mu))
                    {
                        break;
                    }
                }
            }
        }

        for (var k = 0; k < count; k++)
        {
            _lambdas[k] = _noise.Lambda(times[k]);
        }

        return Refinement.Score(times, (double[])_lambdas.Clone(), _nfe, _noise.Form, _p);
    }

    /// <summary>The start's gaps above d_min, rescaled so that all N gaps fit exactly between eps and T_max, none at d_min.</summary>
    private double[] FeasibleStart(double[] startTimes)
    {
        var intervals = startTimes.Length - 1;
        var room = startTimes[0] - startTimes[^1] - intervals * _minimumGap;
        Span<double> excess = stackalloc double[intervals];
        var total = 0.0;
        for (var i = 0; i < intervals; i++)
        {
            excess[i] = Math.Max(startTimes[i] - startTimes[i + 1] - _minimumGap, 0.05 * room / intervals);
            total += excess[i];
        }

        var times = new double[intervals + 1];
        times[0] = startTimes[0];
        for (var i = 0; i + 1 < intervals; i++)
        {
            times[i + 1] = times[i] - (_minimumGap + room * excess[i] / total);
        }

        times[intervals] = startTimes[^1];
        return times;
    }

    /// <summary>One damped Newton step on MEP + barrier; false when converged for this barrier weight.</summary>
    private bool NewtonStep(double[] times, double mu)
    {
        var count = times.Length;
        var value = Objective(times, mu, withDerivatives: true);
        var slope = TridiagonalNewtonStep.Solve(_diagonal, _offDiagonal, _gradient, _step, _scratch);

        if (-slope <= 1e-14 * Math.Max(1, Math.Abs(value)))
        {
            return false;
        }

        var alpha = 1.0;
        for (var halving = 0; halving < 40; halving++, alpha *= 0.5)
        {
            times.CopyTo(_trial, 0);
            for (var i = 1; i < count - 1; i++)
            {
                _trial[i] = times[i] + alpha * _step[i];
            }

            if (!StrictlyFeasible(_trial, count))
            {
                continue;
            }

            if (Objective(_trial, mu, withDerivatives: false) <= value + 1e-4 * alpha * slope)
            {
                Array.Copy(_trial, times, count);
                return true;
            }
        }

        return false;
    }

    private bool StrictlyFeasible(double[] times, int count)
    {
        for (var k = 0; k + 1 < count; k++)
        {
            if (!(times[k] - times[k + 1] - _minimumGap > 0))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>MEP(t) - mu sum log(gap - d); with derivatives, fills the t-space gradient and tridiagonal Hessian.</summary>
    private double Objective(double[] times, double mu, bool withDerivatives)
    {
        var count = times.Length;
        for (var k = 0; k < count; k++)
        {
            _lambdas[k] = _noise.Lambda(times[k], out var lambdaSlope, out var lambdaCurvature);
            _lambdaSlope[k] = lambdaSlope;
            _lambdaCurvature[k] = lambdaCurvature;
        }

        double value;
        if (withDerivatives)
        {
            value = MidpointErrorProxy.ValueGradientHessian(_lambdas, _lambdaGradient, _lambdaDiagonal, _lambdaOffDiagonal, _noise.Form, _p);
            for (var k = 0; k < count; k++)
            {
                _gradient[k] = _lambdaGradient[k] * _lambdaSlope[k];
                _diagonal[k] = _lambdaDiagonal[k] * _lambdaSlope[k] * _lambdaSlope[k] + _lambdaGradient[k] * _lambdaCurvature[k];
                _offDiagonal[k] = k + 1 < count ? _lambdaOffDiagonal[k] * _lambdaSlope[k] * _lambdaSlope[k + 1] : 0;
            }
        }
        else
        {
            value = MidpointErrorProxy.Value(_lambdas, _noise.Form, _p);
        }

        for (var k = 0; k + 1 < count; k++)
        {
            var slack = times[k] - times[k + 1] - _minimumGap;
            value -= mu * Math.Log(slack);
            if (withDerivatives)
            {
                var first = mu / slack;
                var second = first / slack;
                _gradient[k] -= first;
                _gradient[k + 1] += first;
                _diagonal[k] += second;
                _diagonal[k + 1] += second;
                _offDiagonal[k] -= second;
            }
        }

        return value;
    }
}
