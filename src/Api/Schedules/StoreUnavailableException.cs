namespace HsoService.Api.Schedules;

/// <summary>The schedule store or job queue does not answer, or cannot write; callers get 503 with Retry-After.</summary>
public class StoreUnavailableException(string message, Exception inner) : Exception(message, inner);
