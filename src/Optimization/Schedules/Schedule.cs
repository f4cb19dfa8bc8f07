namespace HsoService.Optimization.Schedules;

/// <summary>
/// A sampling schedule and what is known about it: the one result type of the optimizer, the families, the CLI, the
/// API and the stores. Times t descend: the first is the noisiest point. timesteps are the trained discrete steps
/// clamp(round(t N) - 1, 0, N - 1); model_times are what a continuous-time network takes (t N - 1; a flow's 1000 s);
/// sigmas are the model's scheduler's sigmas (EDM sigma / alpha for a DDPM model; for a flow, t itself, the flow
/// sigma s); lambdas are half log-SNRs (a flow's t = 1, lambda = -infinity, reported at t = 1 - 1/N). fitness = mep + penalty (HSO's weighted spacing penalty), HSO's
/// objective: for a schedule HSO did not make the penalty can be huge, and it says nothing about image quality.
/// </summary>
public sealed record Schedule
{
    /// <summary>How the schedule was made: paper or robust (HSO), validated, selected, family or explicit.</summary>
    public required ScheduleMode Mode { get; init; }

    /// <summary>The family (for example <c>uniform_t:trailing</c>) in mode family, or the candidate chosen in modes selected and validated.</summary>
    public string? Family { get; init; }

    /// <summary>The sampler the schedule is for.</summary>
    public required SolverKind Solver { get; init; }

    /// <summary>Network evaluations the sampler spends on it.</summary>
    public required int Nfe { get; init; }

    /// <summary>The times in (0, 1], descending: NFE + 1 points for unipc and dpmpp2m, NFE for ddim. The sampler then finishes as final_step says.</summary>
    public required IReadOnlyList<double> T { get; init; }

    /// <summary>How a sampler finishes this schedule; a client that samples with it must finish the same way.</summary>
    public FinalStep FinalStep { get; init; } = FinalStep.ToZero;

    /// <summary>The trained discrete step of each time, clamp(round(t N) - 1, 0, N - 1).</summary>
    public required IReadOnlyList<int> Timesteps { get; init; }

    /// <summary>The continuous timestep a continuous-time network takes at each time: t N - 1, or N s for a flow.</summary>
    public required IReadOnlyList<double> ModelTimes { get; init; }

    /// <summary>The scheduler's sigma of each time: the EDM / k-diffusion sigma (sigma / alpha), or a flow's sigma s (= t).</summary>
    public required IReadOnlyList<double> Sigmas { get; init; }

    /// <summary>The half log-SNR, log(alpha / sigma), of each time.</summary>
    public required IReadOnlyList<double> Lambdas { get; init; }

    /// <summary>mep + penalty: what HSO minimizes.</summary>
    public required double Fitness { get; init; }

    /// <summary>The Midpoint Error Proxy of the schedule.</summary>
    public required double Mep { get; init; }

    /// <summary>The weighted spacing penalty (SPF).</summary>
    public required double Penalty { get; init; }

    /// <summary>The initialisation strategy (rho, eps, t_max) behind the schedule.</summary>
    public required ScheduleParameters Params { get; init; }

    /// <summary>The random seed of the search (HSO modes only).</summary>
    public int? Seed { get; init; }

    /// <summary>Number of lower-level refinements the search ran (HSO modes only).</summary>
    public int? Evaluations { get; init; }

    /// <summary>What was measured on the model to choose the schedule (modes selected and validated).</summary>
    public Validated.ValidationReport? Validation { get; init; }

    /// <summary>Hash of the model's noise schedule the times were made for.</summary>
    public required string NoiseScheduleHash { get; init; }

    /// <summary>How long making the schedule took, in milliseconds.</summary>
    public required double ElapsedMs { get; init; }

    /// <summary>
    /// The schedule as diffusers and k-diffusion take it (NFE timesteps, sigmas ending where the last step ends), for
    /// a client that samples with it itself; set where a schedule leaves the service, which knows the model's noise.
    /// </summary>
    public DiffusersSchedule? Diffusers { get; init; }

    /// <summary>Anything the caller should know: timesteps that round to the same trained step, infeasible spacing, ...</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
