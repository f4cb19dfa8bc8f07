using System.Globalization;
using HsoService.Inference.Sampling;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Inference.Validation;

/// <summary>
/// What both measured scores share: the calibration set, the count of model evaluations, the budget check, and a
/// memory of scores by the times the network actually sees (schedules that snap to the same trained steps are
/// measured once).
/// </summary>
public abstract class CalibrationScorer(CalibrationSet samples) : IScheduleScorer
{
    private readonly Dictionary<string, double> _scores = new(StringComparer.Ordinal);
    private long _evaluations;

    public abstract string Metric { get; }

    public abstract string Description { get; }

    public int Samples => samples.Count;

    public long Seed => samples.Seed;

    public string Provider => samples.Pipeline.Provider.ToString().ToLowerInvariant();

    public long ModelEvaluations => Interlocked.Read(ref _evaluations);

    protected CalibrationSet Set => samples;

    public long Cost(int nfe) => (long)samples.Count * nfe;

    public double? Score(SolverKind solver, IReadOnlyList<double> times, long allowance, CancellationToken cancellationToken, Action<double>? measuring = null)
    {
        ArgumentNullException.ThrowIfNull(times);
        var pipeline = samples.Pipeline;
        Pipelines.SamplingRun.Validate(pipeline.Noise, solver, times);
        var used = pipeline.DiscreteTime ? ScheduleSnapping.Snap(pipeline.Noise, times, out _) : [.. times];
        var key = $"{solver.Name()}|{string.Join(',', used.Select(t => t.ToString("R", CultureInfo.InvariantCulture)))}";
        lock (_scores)
        {
            if (_scores.TryGetValue(key, out var known))
            {
                return known;
            }
        }

        var nfe = solver == SolverKind.Ddim ? times.Count : times.Count - 1;
        if (Cost(nfe) > allowance)
        {
            return null;
        }

        // The pipeline counts network calls: NFE per batch of at most MaxBatch samples.
        var calls = (double)nfe * Math.Ceiling(samples.Count / (double)pipeline.MaxBatch);
        var generated = samples.Generate(solver, times, measuring is null ? null : done => measuring(Math.Min(1.0, done / calls)), cancellationToken);
        Interlocked.Add(ref _evaluations, Cost(nfe));
        var score = Measure(generated, cancellationToken);
        lock (_scores)
        {
            _scores[key] = score;
        }

        return score;
    }

    /// <summary>The score of K generated samples (lower is better).</summary>
    protected abstract double Measure(float[] generated, CancellationToken cancellationToken);
}
