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

    /// <summary>
    /// A model's stored keys after <paramref name="after"/> in ordinal order, at most <paramref name="most"/> of them,
    /// with their schedules, and the keys met on the way whose records could not be read. Only the records returned
    /// are read and parsed (the key names come from the store's index: the model's folder or set), so a page costs
    /// what it holds, not what the store holds.
    /// </summary>
    Task<ScheduleListing> ListAsync(string model, string? after = null, int most = int.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>True when the store answers.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken = default);
}

/// <summary>A model's stored schedules, and the records skipped because they could not be read (with why).</summary>
public sealed record ScheduleListing(IReadOnlyList<(string Key, Schedule Schedule)> Entries, IReadOnlyList<(string Key, string Reason)> Unreadable)
{
    public static ScheduleListing Empty { get; } = new([], []);
}
