namespace HsoService.Api.Schedules;

/// <summary>The queue holds its bound of queued jobs: a new job is refused (503 with Retry-After) rather than kept.</summary>
public sealed class QueueFullException(int bound) : Exception($"the job queue is full: it holds as many queued jobs as its bound of {bound} allows, or more (Hso:Worker:MaxQueued); retry later")
{
    public int Bound { get; } = bound;
}
