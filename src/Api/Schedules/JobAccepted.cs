namespace HsoService.Api.Schedules;

/// <summary>The 202 answer of <c>POST /schedules</c>: the job computing the key, and where to watch it.</summary>
public sealed record JobAccepted(string JobId, string Status, string Key, string Location);
