using HsoService.Optimization.Schedules;

namespace HsoService.Api.Schedules;

/// <summary>Where optimized schedules are kept: a file store embedded in the process, or Redis shared by instances.</summary>
public interface IScheduleStore
{
    Task<Schedule?> GetAsync(ScheduleKey key, CancellationToken cancellationToken = default);

    Task SetAsync(ScheduleKey key, Schedule schedule, CancellationToken cancellationToken = default);

    /// <summary>Every cached key of a model, with its schedule.</summary>
    Task<IReadOnlyList<(string Key, Schedule Schedule)>> ListAsync(string model, CancellationToken cancellationToken = default);

    /// <summary>True when the store answers.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken = default);
}
