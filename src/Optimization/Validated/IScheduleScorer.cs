using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Validated;

/// <summary>
/// A quality score measured on a model for a schedule (lower is better): what the validated search minimises. The
/// scorer counts the model evaluations it spends; <see cref="Score"/> refuses (null) a measurement that would spend
/// more than the allowance, so a search never exceeds its budget.
/// </summary>
public interface IScheduleScorer
{
    /// <summary>Short name of the score: <c>fd</c> or <c>reference_rmse</c>.</summary>
    string Metric { get; }

    /// <summary>What is measured against what, in words, for the result.</summary>
    string Description { get; }

    /// <summary>Samples generated per measured schedule (K).</summary>
    int Samples { get; }

    /// <summary>Seed of sample 0 of the calibration set.</summary>
    long Seed { get; }

    /// <summary>Where the model runs (cpu or cuda).</summary>
    string Provider { get; }

    /// <summary>Model evaluations (one sample through the network once) spent so far.</summary>
    long ModelEvaluations { get; }

    /// <summary>Model evaluations one new measurement at this NFE costs.</summary>
    long Cost(int nfe);

    /// <summary>
    /// The score of the schedule, or null when measuring it would spend more than <paramref name="allowance"/>.
    /// <paramref name="measuring"/>, when given, is told the share of this measurement done as it runs (in [0, 1]), so
    /// progress can follow model evaluations rather than whole measurements.
    /// </summary>
    double? Score(SolverKind solver, IReadOnlyList<double> times, long allowance, CancellationToken cancellationToken, Action<double>? measuring = null);
}
