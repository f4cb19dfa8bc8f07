namespace HsoService.Api.Schedules;

/// <summary>A client holds its bound of active jobs: a new one is refused (429 with Retry-After) until one ends.</summary>
public sealed class ClientLimitException(int bound) : Exception($"this client already has {bound} active jobs, the most one client may have (Hso:Worker:MaxActivePerClient); retry when one has ended")
{
    public int Bound { get; } = bound;
}
