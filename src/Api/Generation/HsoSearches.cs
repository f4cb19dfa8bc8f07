using HsoService.Inference.Storage;
using System.Collections.Concurrent;
using HsoService.Api.Hosting;
using HsoService.Api.Schedules;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;

namespace HsoService.Api.Generation;

/// <summary>
/// Named HSO schedules (<c>hso-paper</c>, <c>hso-robust</c>) that <c>/generate</c> finds not stored: searched once per
/// key on a thread of its own, stored, and shared by every request that asked for the key meanwhile. A request that
/// gives up stops waiting, not the search, so the next one finds it stored.
/// </summary>
public sealed class HsoSearches(ScheduleService schedules)
{
    private readonly ConcurrentDictionary<ScheduleKey, Lazy<Task<Schedule>>> _running = new();
    private int _started;

    /// <summary>The key's schedule from the search running for it, or a new one.</summary>
    public Task<Schedule> SearchAsync(ScheduleKey key, NoiseSchedule noise, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var search = _running.GetOrAdd(key, k => new Lazy<Task<Schedule>>(() => RunAsync(k, noise), LazyThreadSafetyMode.ExecutionAndPublication));
        return search.Value.WaitAsync(cancellationToken);
    }

    /// <summary>Searches started since the service started.</summary>
    public int Started => _started;

    private async Task<Schedule> RunAsync(ScheduleKey key, NoiseSchedule noise)
    {
        Interlocked.Increment(ref _started);
        try
        {
            var options = new HsoOptions { Mode = key.Mode, Solver = key.Solver, Nfe = key.Nfe };
            var computed = await DedicatedThread.Run(() => HsoOptimizer.Optimize(noise, options, null, CancellationToken.None), CancellationToken.None);
            try
            {
                await schedules.SetAsync(key, computed, CancellationToken.None);
            }
            catch (StoreUnavailableException)
            {
                // Served anyway; it is cheap to search again.
            }

            return computed;
        }
        finally
        {
            _running.TryRemove(key, out _);
        }
    }
}
