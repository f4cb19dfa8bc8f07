namespace HsoService.Optimization.Validated;

/// <summary>
/// What a validated search measured: the score and how it was taken, every candidate's score, the rank correlation
/// between MEP and the measured score over every schedule it measured, and what it cost.
/// </summary>
public sealed record ValidationReport
{
    /// <summary><c>fd</c> (feature Frechet distance) or <c>reference_rmse</c> (the fallback without a feature extractor).</summary>
    public required string Metric { get; init; }

    public required string MetricDescription { get; init; }

    /// <summary>Calibration samples per measured schedule (K).</summary>
    public required int Samples { get; init; }

    /// <summary>Seed of calibration sample 0; held-out checks must use other seeds.</summary>
    public required long Seed { get; init; }

    /// <summary>The chosen schedule's calibration score.</summary>
    public required double Score { get; init; }

    /// <summary>The best candidate before the search, and its score.</summary>
    public required string BestCandidate { get; init; }

    public required double BestCandidateScore { get; init; }

    /// <summary>Where the chosen schedule came from: a candidate, the upper level or the lower level.</summary>
    public required string ChosenBy { get; init; }

    public required IReadOnlyList<CandidateScore> Candidates { get; init; }

    /// <summary>Distinct schedules measured, candidates included.</summary>
    public required int SchedulesMeasured { get; init; }

    /// <summary>Spearman correlation of MEP and the score over every measured schedule; null when undefined (fewer than 3, or constant).</summary>
    public double? SpearmanMepScore { get; init; }

    public required ValidationCost Cost { get; init; }
}

/// <summary>One candidate's times, MEP and measured score (null when it could not be built for this model).</summary>
public sealed record CandidateScore(string Name, IReadOnlyList<double> T, double Mep, double? Score, string? Note = null);

/// <summary>Model evaluations spent and allowed, wall time, and the execution provider.</summary>
public sealed record ValidationCost(long ModelEvaluations, long Budget, double Seconds, string Provider);
