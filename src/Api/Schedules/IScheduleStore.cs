using HsoService.Optimization.Schedules;

namespace HsoService.Api.Schedules;

/// <summary>
/// Where optimized schedules are kept: a file store embedded in the process, or Redis shared by instances. A value is
/// checked when it is read (<see cref="Stores.StoredSchedule"/>): one that cannot be used is
/// <see cref="UnreadableRecordException"/> from <see cref="GetAsync"/>, and is skipped and named by <see cref="ListAsync"/>.
/// </summary>
public interface IScheduleStore
{
    Task<Schedule?> GetAsync(ScheduleKey key, CancellationToken cancellationToken = default);

    Task SetAsync(ScheduleKey key, Schedule schedule, CancellationToken cancellationToken = default);

    /// <summary>Every cached key of a model, with its schedule, and the keys whose records could not be read.</summary>
    Task<ScheduleListing> ListAsync(string model, CancellationToken cancellationToken = default);

    /// <summary>True when the store answers.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken = default);
}

/// <summary>A model's stored schedules, and the records skipped because they could not be read (with why).</summary>
public sealed record ScheduleListing(IReadOnlyList<(string Key, Schedule Schedule)> Entries, IReadOnlyList<(string Key, string Reason)> Unreadable)
{
    public static ScheduleListing Empty { get; } = new([], []);
}
