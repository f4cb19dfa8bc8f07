using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Validated;

/// <summary>
/// Settings of the validated search: solver and NFE, the budget of model evaluations, the share of it the upper level
/// may spend, the spacing rule's minimum gap (a fraction of the mean lambda gap), the candidates measured first, and
/// any further schedules to measure with them (cached ones).
/// </summary>
public sealed record ValidatedOptions
{
    /// <summary>Candidates measured before the search: HSO in both modes and the training-free families.</summary>
    public static readonly IReadOnlyList<string> DefaultCandidates =
        [NamedSchedules.HsoPaper, NamedSchedules.HsoRobust, "uniform_t:trailing", "uniform_lambda", "edm:7", "ays"];

    /// <summary>Measured schedules the default budget pays for.</summary>
    public const int DefaultMeasurements = 250;

    public SolverKind Solver { get; init; } = SolverKind.UniPc;

    public int Nfe { get; init; } = 6;

    /// <summary>Most model evaluations the search may spend; null: <see cref="DefaultMeasurements"/> measurements.</summary>
    public long? Budget { get; init; }

    /// <summary>Share of the budget left after the candidates that the upper level (initialisation) may spend.</summary>
    public double UpperShare { get; init; } = 0.25;

    /// <summary>Every lambda gap must be at least this fraction of the mean gap (and no two points may share a trained step).</summary>
    public double MinimumGapFraction { get; init; } = 0.2;

    public IReadOnlyList<string> Candidates { get; init; } = DefaultCandidates;

    /// <summary>Further schedules measured as candidates (for example those already cached), by name.</summary>
    public IReadOnlyList<NamedTimes> Extra { get; init; } = [];

    /// <summary>How the finalists are chosen among once measured on confirmation draws.</summary>
    public ConfirmationRule ConfirmationRule { get; init; } = ConfirmationRule.Mean;

    /// <summary>Seed of the HSO candidates' differential evolution.</summary>
    public int HsoSeed { get; init; } = Search.HsoOptions.DefaultSeed;
}

/// <summary>A schedule's times under a name.</summary>
public sealed record NamedTimes(string Name, IReadOnlyList<double> T);
