namespace HsoService.Optimization.Search;

/// <summary>
/// Derivative-free minimisation by the Nelder-Mead simplex (reflection 1, expansion 2, contraction 1/2, shrink 1/2).
/// Meant for objectives that are measured rather than computed: every call may be expensive, may return +infinity for
/// a point that breaks a constraint (the simplex then contracts away from it), and may return null when its budget is
/// spent, which ends the search with the best point seen so far. Deterministic for a deterministic objective.
/// </summary>
public static class NelderMead
{
    /// <summary>The best point and value found, and how many times the objective was called.</summary>
    public sealed record Result(double[] Point, double Value, int Calls);

    /// <param name="objective">f(x); +infinity for an infeasible point, null when no more evaluations may be spent.</param>
    /// <param name="start">The first vertex.</param>
    /// <param name="steps">Offset of vertex i + 1 from <paramref name="start"/> along axis i.</param>
    /// <param name="maxCalls">Most objective calls.</param>
    /// <param name="tolerance">Stop when the simplex's values differ by less than this and its vertices by less than it too.</param>
    public static Result Minimize(
        Func<double[], double?> objective,
        IReadOnlyList<double> start,
        IReadOnlyList<double> steps,
        int maxCalls,
        double tolerance = 1e-4,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(steps);
        var dimension = start.Count;
        if (dimension == 0 || steps.Count != dimension)
        {
            throw new ArgumentException($"need one step per coordinate: {dimension} coordinates, {steps.Count} steps");
        }

        var calls = 0;
        var exhausted = false;
        var bestPoint = start.ToArray();
        var bestValue = double.PositiveInfinity;

        double Evaluate(double[] point)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (exhausted || calls >= maxCalls)
            {
                exhausted = true;
                return double.NaN;
            }

            calls++;
            var value = objective(point);
            if (value is null)
            {
                exhausted = true;
                return double.NaN;
            }

            var result = double.IsNaN(value.Value) ? double.PositiveInfinity : value.Value;
            if (result < bestValue)
            {
                bestValue = result;
                bestPoint = (double[])point.Clone();
            }

            return result;
        }

        var vertices = new double[dimension + 1][];
        var values = new double[dimension + 1];
        for (var i = 0; i <= dimension; i++)
        {
            vertices[i] = start.ToArray();
            if (i > 0)
            {
                vertices[i][i - 1] += steps[i - 1];
            }

            values[i] = Evaluate(vertices[i]);
            if (exhausted)
            {
                return new Result(bestPoint, bestValue, calls);
            }
        }

        var centroid = new double[dimension];
        while (!exhausted)
        {
            Array.Sort(values, vertices);
            if (Converged(vertices, values, tolerance))
            {
                break;
            }

            Array.Clear(centroid);
            for (var i = 0; i < dimension; i++)
            {
                for (var d = 0; d < dimension; d++)
                {
                    centroid[d] += vertices[i][d] / dimension;
                }
            }

            var worst = vertices[dimension];
            var reflected = Along(centroid, worst, -1);
            var reflectedValue = Evaluate(reflected);
            if (exhausted)
            {
                break;
            }

            if (reflectedValue < values[0])
            {
                var expanded = Along(centroid, worst, -2);
                var expandedValue = Evaluate(expanded);
                if (exhausted)
                {
                    break;
                }

                (vertices[dimension], values[dimension]) = expandedValue < reflectedValue ? (expanded, expandedValue) : (reflected, reflectedValue);
                continue;
            }

            if (reflectedValue < values[dimension - 1])
            {
                (vertices[dimension], values[dimension]) = (reflected, reflectedValue);
                continue;
            }

            // Contract towards the better of the worst vertex and its reflection.
            var outside = reflectedValue < values[dimension];
            var contracted = Along(centroid, worst, outside ? -0.5 : 0.5);
            var contractedValue = Evaluate(contracted);
            if (exhausted)
            {
                break;
            }

            if (contractedValue < Math.Min(reflectedValue, values[dimension]))
            {
                (vertices[dimension], values[dimension]) = (contracted, contractedValue);
                continue;
            }

            for (var i = 1; i <= dimension && !exhausted; i++)
            {
                for (var d = 0; d < dimension; d++)
                {
                    vertices[i][d] = vertices[0][d] + 0.5 * (vertices[i][d] - vertices[0][d]);
                }

                values[i] = Evaluate(vertices[i]);
            }
        }

        return new Result(bestPoint, bestValue, calls);
    }

    // centroid + factor (worst - centroid): -1 reflects, -2 expands, -1/2 and 1/2 contract outside and inside.
    private static double[] Along(double[] centroid, double[] worst, double factor)
    {
        var point = new double[centroid.Length];
        for (var d = 0; d < point.Length; d++)
        {
            point[d] = centroid[d] + factor * (worst[d] - centroid[d]);
        }

        return point;
    }

    private static bool Converged(double[][] vertices, double[] values, double tolerance)
    {
        if (!double.IsFinite(values[^1]) || values[^1] - values[0] > tolerance)
        {
            return false;
        }

        for (var i = 1; i < vertices.Length; i++)
        {
            for (var d = 0; d < vertices[0].Length; d++)
            {
                if (Math.Abs(vertices[i][d] - vertices[0][d]) > tolerance)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
