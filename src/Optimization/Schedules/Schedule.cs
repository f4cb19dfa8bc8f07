namespace HsoService.Optimization.Schedules;

/// <summary>
/// A sampling schedule and what is known about it: the one result type of the optimizer, the families, the CLI, the
/// API and the stores. Times descend: <see cref="T"/>[0] is the noisiest point. <see cref="Timesteps"/> are the trained
/// discrete steps clamp(round(t N) - 1, 0, N - 1); <see cref="ModelTimes"/> are t N - 1 for continuous-time solvers;
/// <see cref="Sigmas"/> are EDM sigmas (sigma / alpha); <see cref="Lambdas"/> are half log-SNRs.
/// <see cref="Fitness"/> = <see cref="Mep"/> + <see cref="Penalty"/> (the weighted spacing penalty, HSO-SPEC section 3).
/// </summary>
public sealed record Schedule
{
    public required ScheduleMode Mode { get; init; }

    /// <summary>Family name when <see cref="Mode"/> is family (for example <c>uniform_t:trailing</c>).</summary>
    public string? Family { get; init; }

    public required SolverKind Solver { get; init; }

    public required int Nfe { get; init; }

    public required IReadOnlyList<double> T { get; init; }

    /// <summary>How a sampler finishes this schedule; a client that samples with it must finish the same way.</summary>
    public FinalStep FinalStep { get; init; } = FinalStep.ToZero;

    public required IReadOnlyList<int> Timesteps { get; init; }

    public required IReadOnlyList<double> ModelTimes { get; init; }

    public required IReadOnlyList<double> Sigmas { get; init; }

    public required IReadOnlyList<double> Lambdas { get; init; }

    public required double Fitness { get; init; }

    public required double Mep { get; init; }

    public required double Penalty { get; init; }

    public required ScheduleParameters Params { get; init; }

    /// <summary>The random seed of the search (HSO modes only).</summary>
    public int? Seed { get; init; }

    /// <summary>Number of lower-level refinements the search ran (HSO modes only).</summary>
    public int? Evaluations { get; init; }

    /// <summary>What the validated search measured (validated mode only).</summary>
    public Validated.ValidationReport? Validation { get; init; }

    public required string NoiseScheduleHash { get; init; }

    public required double ElapsedMs { get; init; }

    /// <summary>Anything the caller should know: timesteps that round to the same trained step, infeasible spacing, ...</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
