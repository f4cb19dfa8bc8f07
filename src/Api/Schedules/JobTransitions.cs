namespace HsoService.Api.Schedules;

/// <summary>
/// The one table of how a job's status may change, which both queues (in memory and Redis) are tested against:
/// a worker takes a queued job; a running job is stored, cancelled, failed, or put back when its worker died or
/// threw (until its attempts run out); a storing job succeeds, or fails or is put back when storing fails.
/// Succeeded, failed and cancelled are final.
/// </summary>
public static class JobTransitions
{
    public static readonly IReadOnlyDictionary<JobStatus, IReadOnlyList<JobStatus>> Allowed = new Dictionary<JobStatus, IReadOnlyList<JobStatus>>
    {
        [JobStatus.Queued] = [JobStatus.Running, JobStatus.Cancelled],
        [JobStatus.Running] = [JobStatus.Storing, JobStatus.Cancelled, JobStatus.Failed, JobStatus.Queued],
        [JobStatus.Storing] = [JobStatus.Succeeded, JobStatus.Failed, JobStatus.Queued],
        [JobStatus.Succeeded] = [],
        [JobStatus.Failed] = [],
        [JobStatus.Cancelled] = [],
    };

    public static bool IsAllowed(JobStatus from, JobStatus to) => from == to || Allowed[from].Contains(to);
}
