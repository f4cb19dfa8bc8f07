namespace HsoService.Api.Schedules;

/// <summary>States of an optimization job.</summary>
public static class JobStatus
{
    public const string Queued = "queued";
    public const string Running = "running";

    /// <summary>The search finished and its schedule is being stored: too late to cancel.</summary>
    public const string Storing = "storing";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}

/// <summary>
/// An optimization job as callers see it at <c>GET /schedules/jobs/{id}</c>: what it computes, where it is, how far it
/// got (fraction of generations), how often it was tried, and where to read the result.
/// </summary>
public sealed record OptimizationJob
{
    public required string Id { get; init; }
    public required string Key { get; init; }
    public required string Model { get; init; }
    public required string Solver { get; init; }
    public required int Nfe { get; init; }
    public required string Mode { get; init; }
    public required int Seed { get; init; }

    /// <summary>Recompute even when the key is already cached.</summary>
    public bool Force { get; init; }

    public string Status { get; init; } = JobStatus.Queued;
    public double Progress { get; init; }
    public int Attempts { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? Error { get; init; }

    /// <summary>Where the schedule can be read once the job succeeded.</summary>
    public string? Result { get; init; }

    /// <summary>Queued, running or storing: the job holds its key, so a request for the same key gets this job.</summary>
    public bool IsActive => Status is JobStatus.Queued or JobStatus.Running or JobStatus.Storing;

    /// <summary>Queued or running: a cancel still stops it before anything is stored.</summary>
    public bool IsCancellable => Status is JobStatus.Queued or JobStatus.Running;
}
