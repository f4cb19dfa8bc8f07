namespace HsoService.Api.Schedules;

/// <summary>
/// The queue of optimization jobs and their state. One active job per schedule key: enqueuing a key that already has a
/// queued or running job returns that job. A worker takes a job (counting an attempt), reports progress, and completes,
/// fails (retried until the attempt limit) or releases it (shutdown: back to the queue without counting).
/// </summary>
public interface IJobQueue
{
    Task<(OptimizationJob Job, bool Created)> EnqueueAsync(OptimizationJob job, CancellationToken cancellationToken = default);

    Task<OptimizationJob?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Waits for the next job (or one whose worker died) and marks it running.</summary>
    Task<OptimizationJob> TakeAsync(string consumer, CancellationToken cancellationToken);

    Task ReportProgressAsync(string id, double fraction, CancellationToken cancellationToken = default);

    /// <summary>
    /// Says the job's worker is alive, so a search running longer than the claim idle time is not reclaimed as one
    /// whose worker died. The worker calls it well within that time while the job runs.
    /// </summary>
    Task RenewAsync(OptimizationJob job, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks this run of a running job storing, atomically with respect to <see cref="CancelAsync"/>: from then on a
    /// cancel is refused, so a job is either cancelled and stores nothing or stores its schedule and succeeds. False
    /// when the job is no longer this run's (cancelled, or reclaimed by another worker: <paramref name="job"/>'s
    /// attempt is not the current one); the worker must then store nothing.
    /// </summary>
    Task<bool> BeginStoringAsync(OptimizationJob job, CancellationToken cancellationToken = default);

    /// <summary>Marks the job succeeded; call only after <see cref="BeginStoringAsync"/> and after its schedule is stored.</summary>
    Task CompleteAsync(OptimizationJob job, string result, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a failure: queued again, or failed for good at the attempt limit, or at once when
    /// <paramref name="retry"/> is false (an error another attempt cannot mend, such as a model no longer served).
    /// </summary>
    Task FailAsync(OptimizationJob job, string error, CancellationToken cancellationToken = default, bool retry = true);

    /// <summary>Puts an unfinished job back without counting the attempt (graceful shutdown).</summary>
    Task ReleaseAsync(OptimizationJob job, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks a queued or running job cancelled (a running one stops at its worker's next check and stores nothing) and
    /// frees its key; for a job already cancelled, also acknowledges its queue entry. A storing or finished job is left
    /// as it is. Returns the job as it now is, or null when unknown.
    /// </summary>
    Task<OptimizationJob?> CancelAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Jobs waiting to run.</summary>
    Task<long> DepthAsync(CancellationToken cancellationToken = default);
}
