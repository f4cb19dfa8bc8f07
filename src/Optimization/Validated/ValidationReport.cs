namespace HsoService.Optimization.Validated;

/// <summary>
/// What a validated search measured: the score and how it was taken, every candidate's score, the rank correlation
/// between MEP and the measured score over every schedule it measured, and what it cost.
/// </summary>
public sealed record ValidationReport
{
    /// <summary><c>fd</c> (feature Frechet distance) or <c>reference_rmse</c> (the fallback without a feature extractor).</summary>
    public required string Metric { get; init; }

    /// <summary>What is measured against what, in words.</summary>
    public required string MetricDescription { get; init; }

    /// <summary>Calibration samples per measured schedule (K); for trajectory and teacher, the teacher run's samples.</summary>
    public required int Samples { get; init; }

    /// <summary>
    /// Seed of calibration sample 0 of the search's draw (trajectory and teacher: of the teacher run); held-out checks
    /// must use other seeds (and other than the confirmation seeds).
    /// </summary>
    public required long Seed { get; init; }

    /// <summary>The chosen schedule's calibration score (on the search's draw).</summary>
    public required double Score { get; init; }

    /// <summary>
    /// Seeds of sample 0 of each confirmation draw (K samples each, disjoint from the search's draw and from each
    /// other) on which the finalists were measured again before choosing; empty when the search chose on its own draw.
    /// </summary>
    public IReadOnlyList<long> ConfirmationSeeds { get; init; } = [];

    /// <summary>The chosen schedule's mean score over the confirmation draws; null without them.</summary>
    public double? ConfirmationScore { get; init; }

    /// <summary>How the finalists were chosen among (<c>mean</c> or <c>every-draw</c>); null without confirmation draws.</summary>
    public string? ConfirmationRule { get; init; }

    /// <summary>The schedules measured on the confirmation draws and their scores there, chosen among by the confirmation rule.</summary>
    public IReadOnlyList<FinalistScore> Finalists { get; init; } = [];

    /// <summary>The best candidate before the search, and its score.</summary>
    public required string BestCandidate { get; init; }

    /// <summary>The best candidate's score on the search's draw.</summary>
    public required double BestCandidateScore { get; init; }

    /// <summary>Where the chosen schedule came from: a candidate, the upper level or the lower level.</summary>
    public required string ChosenBy { get; init; }

    /// <summary>Every candidate measured before the search (or, for a selection, instead of it).</summary>
    public required IReadOnlyList<CandidateScore> Candidates { get; init; }

    /// <summary>Distinct schedules measured, candidates included.</summary>
    public required int SchedulesMeasured { get; init; }

    /// <summary>Spearman correlation of MEP and the score over every measured schedule; null when undefined (fewer than 3, or constant).</summary>
    public double? SpearmanMepScore { get; init; }

    /// <summary>What the measurement cost: model evaluations spent now (scores already known cost nothing) and allowed.</summary>
    public required ValidationCost Cost { get; init; }

    /// <summary>The strategy that found the schedule: refine, trajectory, teacher or search (a selection: selection).</summary>
    public string Strategy { get; init; } = "search";

    /// <summary>A cheap strategy's cost on a fresh model, stage by stage; null for the search and a selection.</summary>
    public StrategyCost? StrategyCost { get; init; }
}

/// <summary>One candidate's times, MEP and measured score (null when it could not be built for this model).</summary>
/// <param name="Name">The candidate: a family, hso-robust, hso-paper, or a cached schedule's key.</param>
/// <param name="T">Its times, descending.</param>
/// <param name="Mep">Its Midpoint Error Proxy.</param>
/// <param name="Score">Its measured score (lower is better); null when it was not measured.</param>
/// <param name="Note">Why it was not measured, when it was not.</param>
public sealed record CandidateScore(string Name, IReadOnlyList<double> T, double Mep, double? Score, string? Note = null);

/// <summary>
/// A finalist of the search (a top candidate or the best schedule of a level), its score on the search's draw and on
/// each confirmation draw.
/// </summary>
/// <param name="Origin">Where it came from: a candidate's name, upper_level or lower_level.</param>
/// <param name="T">Its times, descending.</param>
/// <param name="Score">Its score on the search's draw (refine, trajectory, teacher: its mean over the confirmation draws).</param>
/// <param name="ConfirmationScores">Its score on each confirmation draw, in seed order.</param>
public sealed record FinalistScore(string Origin, IReadOnlyList<double> T, double Score, IReadOnlyList<double> ConfirmationScores)
{
    /// <summary>Mean over the confirmation draws; null when none was measured.</summary>
    public double? ConfirmationMean => ConfirmationScores.Count == 0 ? null : ConfirmationScores.Average();
}

/// <summary>Model evaluations spent and allowed, wall time, and the execution provider.</summary>
/// <param name="ModelEvaluations">Model evaluations spent (one sample through the network once).</param>
/// <param name="Budget">Model evaluations allowed.</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="Provider">Where the model ran: cpu or cuda.</param>
public sealed record ValidationCost(long ModelEvaluations, long Budget, double Seconds, string Provider);
