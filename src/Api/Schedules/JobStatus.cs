using System.Text.Json.Serialization;

namespace HsoService.Api.Schedules;

/// <summary>
/// States of an optimization job: queued, then running, then storing its schedule, then succeeded; or cancelled
/// (from queued or running) or failed. A running job whose worker fails goes back to queued until its attempts run out.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobStatus>))]
public enum JobStatus
{
    [JsonStringEnumMemberName("queued")]
    Queued,

    [JsonStringEnumMemberName("running")]
    Running,

    /// <summary>The search finished and its schedule is being stored: too late to cancel.</summary>
    [JsonStringEnumMemberName("storing")]
    Storing,

    [JsonStringEnumMemberName("succeeded")]
    Succeeded,

    [JsonStringEnumMemberName("failed")]
    Failed,

    [JsonStringEnumMemberName("cancelled")]
    Cancelled,
}

/// <summary>Names of <see cref="JobStatus"/>, as stored and sent.</summary>
public static class JobStatuses
{
    public static readonly IReadOnlyList<string> Names = ["queued", "running", "storing", "succeeded", "failed", "cancelled"];

    public static string Name(this JobStatus status) => Names[(int)status];

    public static JobStatus Parse(string name)
    {
        var index = Names.ToList().IndexOf(name);
        return index >= 0 ? (JobStatus)index : throw new FormatException($"unknown job status '{name}'");
    }
}
