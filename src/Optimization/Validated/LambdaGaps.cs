using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Optimization.Validated;

/// <summary>
/// The lower level's coordinates: the interior points of a schedule as log-ratios of consecutive lambda gaps to the
/// last gap, with both ends fixed. Every coordinate vector gives descending times between the ends, so the
/// derivative-free search moves freely and only the spacing rule can reject a point.
/// </summary>
public sealed class LambdaGaps
{
    private readonly NoiseSchedule _noise;
    private readonly double _first;
    private readonly double _last;
    private readonly double _tFirst;
    private readonly double _tLast;
    private readonly int _gaps;

    public LambdaGaps(NoiseSchedule noise, IReadOnlyList<double> times)
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(times);
        _noise = noise;
        _gaps = times.Count - 1;
        _tFirst = times[0];
        _tLast = times[^1];
        _first = noise.Lambda(_tFirst);
        _last = noise.Lambda(_tLast);
        var lambdas = times.Select(noise.Lambda).ToArray();
        var lastGap = lambdas[^1] - lambdas[^2];
        Start = [.. Enumerable.Range(0, Dimension).Select(i => Math.Log(Math.Max(lambdas[i + 1] - lambdas[i], 1e-9) / Math.Max(lastGap, 1e-9)))];
    }

    /// <summary>Free coordinates: one fewer than the gaps (0 when there is no interior point).</summary>
    public int Dimension => _gaps - 1;

    /// <summary>The coordinates of the schedule this was made from.</summary>
    public double[] Start { get; }

    /// <summary>The times of a coordinate vector; the ends are the original ones exactly.</summary>
    public double[] Times(IReadOnlyList<double> coordinates)
    {
        var weights = new double[_gaps];
        var largest = coordinates.Count == 0 ? 0 : Math.Max(0, coordinates.Max());
        for (var i = 0; i < _gaps; i++)
        {
            weights[i] = Math.Exp((i < Dimension ? coordinates[i] : 0) - largest);
        }

        var total = weights.Sum();
        var times = new double[_gaps + 1];
        times[0] = _tFirst;
        var lambda = _first;
        for (var i = 1; i < _gaps; i++)
        {
            lambda += (_last - _first) * weights[i - 1] / total;
            times[i] = _noise.TFromLambda(lambda);
        }

        times[_gaps] = _tLast;
        return times;
    }
}
