using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Objective;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace HsoService.Optimization.Search;

/// <summary>
/// HSO's lower level as the paper runs it (HSO-SPEC section 2): minimise MEP over the N - 1 interior lambdas with the
/// endpoints fixed and no constraint; the spacing rule enters only afterwards, as a penalty. The minimiser is
/// <see cref="MepNewtonMinimizer"/> (exact tridiagonal Hessian), with MathNet's L-BFGS on the analytic gradient as the
/// fallback when Newton does not converge. If both fail or end above the start, the start is kept, as the reference does.
/// One instance per search: it reuses its buffers and is not thread-safe.
/// </summary>
public sealed class UnconstrainedRefinement(NoiseSchedule noise, int pointCount, int nfe, double p)
{
    private readonly MepNewtonMinimizer _newton = new(pointCount, noise.Form, p);
    private readonly double[] _lambdas = new double[pointCount];

    /// <summary>Number of time points per schedule.</summary>
    public int PointCount => pointCount;

    /// <summary>Refines descending start times (endpoints kept) and scores the result.</summary>
    public Refinement Refine(double[] startTimes)
    {
        var count = startTimes.Length;
        var startLambdas = new double[count];
        for (var i = 0; i < count; i++)
        {
            startLambdas[i] = noise.Lambda(startTimes[i]);
        }

        var start = Refinement.Score(startTimes, startLambdas, nfe, noise.Form, p);
        if (count <= 2)
        {
            return start;
        }

        startLambdas.CopyTo(_lambdas, 0);
        if (!_newton.Minimize(_lambdas) && !TryQuasiNewton(startLambdas, _lambdas))
        {
            return start;
        }

        var times = new double[count];
        times[0] = startTimes[0];
        times[^1] = startTimes[^1];
        for (var i = 1; i < count - 1; i++)
        {
            times[i] = noise.TFromLambda(_lambdas[i]);
        }

        var refined = Refinement.Score(times, (double[])_lambdas.Clone(), nfe, noise.Form, p);
        return refined.Mep <= start.Mep ? refined : start;
    }

    private bool TryQuasiNewton(double[] startLambdas, double[] result)
    {
        var count = startLambdas.Length;
        var interior = count - 2;
        var gradient = new double[count];
        var work = (double[])startLambdas.Clone();
        var objective = ObjectiveFunction.Gradient(x =>
        {
            for (var i = 0; i < interior; i++)
            {
                work[i + 1] = x[i];
            }

            var value = MidpointErrorProxy.ValueAndGradient(work, gradient, noise.Form, p);
            return (value, Vector<double>.Build.DenseOfArray(gradient[1..^1]));
        });

        try
        {
            var minimizer = new LimitedMemoryBfgsMinimizer(1e-10, 1e-12, 1e-14, memory: 7, maximumIterations: 500);
            var solution = minimizer.FindMinimum(objective, Vector<double>.Build.DenseOfArray(startLambdas[1..^1])).MinimizingPoint;
            result[0] = startLambdas[0];
            result[^1] = startLambdas[^1];
            for (var i = 0; i < interior; i++)
            {
                result[i + 1] = double.IsFinite(solution[i]) ? Math.Clamp(solution[i], startLambdas[0], startLambdas[^1]) : startLambdas[i + 1];
            }

            // The spec scores the sorted schedule.
            Array.Sort(result);
            return true;
        }
        catch (Exception e) when (e is OptimizationException or ArithmeticException)
        {
            return false;
        }
    }
}
