using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Optimization.Tests.Validated;

/// <summary>
/// A stand-in for a measured score: squared lambda distance to a target schedule no candidate matches, charged
/// K x NFE model evaluations per measurement as the real scorers are.
/// </summary>
internal sealed class DistanceScorer(NoiseSchedule noise, IReadOnlyList<double> target, int samples = 100, Action<int>? onMeasure = null, long seed = 7) : IScheduleScorer
{
    public string Metric => "fd";

    public string Description => "squared lambda distance to a target (test)";

    public int Samples => samples;

    public long Seed => seed;

    public string Provider => "cpu";

    public long ModelEvaluations { get; private set; }

    public int Measurements { get; private set; }

    /// <summary>The times of every measurement, in order.</summary>
    public List<IReadOnlyList<double>> Measured { get; } = [];

    public long Cost(int nfe) => (long)samples * nfe;

    public double? Score(SolverKind solver, IReadOnlyList<double> times, long allowance, CancellationToken cancellationToken, Action<double>? measuring = null)
    {
        var cost = Cost(solver == SolverKind.Ddim ? times.Count : times.Count - 1);
        if (cost > allowance)
        {
            return null;
        }

        ModelEvaluations += cost;
        Measurements++;
        Measured.Add(times);
        onMeasure?.Invoke(Measurements);
        return times.Select((t, i) => Math.Pow(noise.Lambda(t) - noise.Lambda(target[i]), 2)).Sum();
    }
}
