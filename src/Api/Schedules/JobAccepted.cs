namespace HsoService.Api.Schedules;

/// <summary>The 202 answer of <c>POST /schedules</c>: the job computing the key, and where to watch it.</summary>
/// <param name="JobId">The job's id.</param>
/// <param name="Status">The job's state: queued, running or storing (an earlier job for the same key may already run).</param>
/// <param name="Key">The cache key the job computes: model:solver:nfe:mode, with the seed when it is not 66.</param>
/// <param name="Location">Where to watch the job (also the Location header).</param>
public sealed record JobAccepted(string JobId, JobStatus Status, string Key, string Location);
