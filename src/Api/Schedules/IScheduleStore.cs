using HsoService.Inference.Storage;
using HsoService.Optimization.Schedules;

namespace HsoService.Api.Schedules;

/// <summary>
/// Where optimized schedules are kept: a file store embedded in the process, or Redis shared by instances. A value is
/// checked when it is read (<see cref="HsoService.Inference.Storage.StoredSchedule"/>): one that cannot be used is
/// <see cref="UnreadableRecordException"/> from <see cref="GetAsync"/>, and is skipped and named by <see cref="ListAsync"/>.
/// </summary>
public interface IScheduleStore
{
    Task<Schedule?> GetAsync(ScheduleKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="schedule"/> under <paramref name="key"/>. A key of non-default options records its owner
    /// (the client that asked) and the time; written again, it moves to the last writer with the new time. Returns the
    /// keys removed to keep the store's <see cref="StoredScheduleBounds"/> (oldest first; never this key, never a default).
    /// </summary>
    Task<IReadOnlyList<string>> SetAsync(ScheduleKey key, Schedule schedule, string? owner = null, CancellationToken cancellationToken = default);

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
