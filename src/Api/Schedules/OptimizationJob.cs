using HsoService.Optimization.Schedules;

namespace HsoService.Api.Schedules;

/// <summary>
/// An optimization job as callers see it at <c>GET /schedules/jobs/{id}</c>: what it computes, where it is, how far it
/// got (fraction of generations), how often it was tried, and where to read the result.
/// </summary>
public sealed record OptimizationJob
{
    /// <summary>The job's id.</summary>
    public required string Id { get; init; }

    /// <summary>The cache key the job computes.</summary>
    public required string Key { get; init; }

    /// <summary>The model id.</summary>
    public required string Model { get; init; }

    /// <summary>The solver: ddim, unipc or dpmpp2m.</summary>
    public required SolverKind Solver { get; init; }

    /// <summary>Network evaluations of the sampler.</summary>
    public required int Nfe { get; init; }

    /// <summary>selected, validated, robust or paper.</summary>
    public required ScheduleMode Mode { get; init; }

    /// <summary>The optimizer's seed.</summary>
    public required int Seed { get; init; }

    /// <summary>Mode validated: the strategy asked for (trajectory, teacher, refine or search); null: the default.</summary>
    public string? Strategy { get; init; }

    /// <summary>Who asked for the job (its API key's digest or its address), for the per-client limit; not sent.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Client { get; init; }

    /// <summary>Recompute even when the key is already cached.</summary>
    public bool Force { get; init; }

    /// <summary>queued, running, storing, succeeded, failed or cancelled.</summary>
    public JobStatus Status { get; init; } = JobStatus.Queued;

    /// <summary>Fraction done, 0..1.</summary>
    public double Progress { get; init; }

    /// <summary>Times a worker started the job (a job is retried when its worker dies).</summary>
    public int Attempts { get; init; }

    /// <summary>When the job was accepted.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When a worker last started it.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it succeeded, failed or was cancelled.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Why it failed, when it failed.</summary>
    public string? Error { get; init; }

    /// <summary>Where the schedule can be read once the job succeeded.</summary>
    public string? Result { get; init; }

    /// <summary>
    /// Seconds a running job should still take, from its progress so far (null until it has some, and once it is no
    /// longer running).
    /// </summary>
    public double? EtaSeconds => Status == JobStatus.Running && Progress is > 0 and < 1 && StartedAt is { } started
        ? Math.Round(Math.Max(0, (DateTimeOffset.UtcNow - started).TotalSeconds) * (1 - Progress) / Progress, 1)
        : null;

    /// <summary>Queued, running or storing: the job holds its key, so a request for the same key gets this job.</summary>
    public bool IsActive => Status is JobStatus.Queued or JobStatus.Running or JobStatus.Storing;

    /// <summary>Queued or running: a cancel still stops it before anything is stored.</summary>
    public bool IsCancellable => Status is JobStatus.Queued or JobStatus.Running;
}
