namespace HsoService.Api.Schedules;

/// <summary>The schedule store or job queue (Redis) does not answer; callers get 503 with Retry-After.</summary>
public sealed class StoreUnavailableException(string message, Exception inner) : Exception(message, inner);
