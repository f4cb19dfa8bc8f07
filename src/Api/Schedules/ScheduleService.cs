using HsoService.Inference.Storage;
using System.Collections.Concurrent;
using HsoService.Api.Configuration;
using HsoService.Api.Hosting;
using HsoService.Optimization;
using HsoService.Optimization.Schedules;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace HsoService.Api.Schedules;

/// <summary>
/// The one path between requests and the store and queue: validated requests become cache reads or jobs (one job per
/// key however many callers). Every schedule read is remembered in memory, so an instance keeps serving what it has
/// seen while the store is down; store failures surface as <see cref="StoreUnavailableException"/>. A stored schedule
/// that cannot be used (unparsable, of another key, of another model's noise schedule) is reported and treated as
/// missing: a request for it queues the job that stores it again.
/// </summary>
public sealed class ScheduleService(
    IScheduleStore store,
    IJobQueue queue,
    ModelCatalog models,
    StoreCircuit circuit,
    IOptions<HsoServiceOptions> options,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    Stores.UnreadableRecords unreadable,
    Telemetry.HsoTelemetry telemetry,
    ILogger<ScheduleService> logger)
{
    private const string StoreName = "schedule";

    private readonly TimeSpan _cacheFor = TimeSpan.FromSeconds(options.Value.CacheSeconds);

    private readonly ConcurrentDictionary<string, (Schedule Schedule, DateTimeOffset Read)> _seen = new();

    /// <summary>The result of a request: a cached schedule, or the job computing it.</summary>
    public sealed record Outcome(Schedule? Schedule, OptimizationJob? Job, bool Created, ScheduleKey Key, bool Stale = false);

    public async Task<Outcome> RequestAsync(ScheduleCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var key = command.Key;
        if (!command.Force && await GetEntryAsync(key, cancellationToken) is { Schedule: { } cached } entry)
        {
            return new Outcome(cached, null, false, key, entry.Stale);
        }

        var (active, created) = await EnqueueAsync(key, command.Seed, command.Force, cancellationToken, command.Client, command.Strategy);
        return new Outcome(null, active, created, key);
    }

    /// <summary>Queues the job for a key without reading the store first (the caller has); one job per key.</summary>
    public Task<(OptimizationJob Job, bool Created)> EnqueueAsync(
        ScheduleKey key, int seed, bool force, CancellationToken cancellationToken, string? client = null, HsoService.Optimization.Validated.ValidatedStrategy? strategy = null)
    {
        var job = new OptimizationJob
        {
            Id = Guid.NewGuid().ToString("N"),
            Key = key.ToString(),
            Model = key.Model,
            Solver = key.Solver,
            Nfe = key.Nfe,
            Mode = key.Mode,
            Seed = seed,
            Strategy = strategy is { } named ? HsoService.Optimization.Validated.ValidatedStrategies.Name(named) : null,
            Force = force,
            Client = client,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        return Guard(() => queue.EnqueueAsync(job, cancellationToken));
    }

    /// <summary>
    /// A schedule read, whether it is a stale copy served because the store is unavailable, and why the store's record
    /// could not be used when it could not (the schedule is then null: treated as missing).
    /// </summary>
    public sealed record Entry(Schedule? Schedule, bool Stale, string? Unreadable = null);

    public async Task<Schedule?> GetAsync(ScheduleKey key, CancellationToken cancellationToken) => (await GetEntryAsync(key, cancellationToken)).Schedule;

    /// <summary>
    /// The memory layer is a read-through cache: a copy younger than <c>Hso:CacheSeconds</c> is served without a
    /// store read; otherwise the store is read and the copy follows it (replaced, or dropped when the store no longer
    /// has the key). Only while the store is unavailable is an older copy served, and then as stale.
    /// </summary>
    public async Task<Entry> GetEntryAsync(ScheduleKey key, CancellationToken cancellationToken)
    {
        var text = key.ToString();
        var now = DateTimeOffset.UtcNow;
        if (_seen.TryGetValue(text, out var fresh) && now - fresh.Read < _cacheFor)
        {
            return new Entry(fresh.Schedule, false);
        }

        try
        {
            var schedule = await circuit.ExecuteAsync(() => store.GetAsync(key, cancellationToken), cancellationToken);
            if (schedule is not null)
            {
                CheckModel(text, key.Model, schedule);
            }

            if (schedule is not null)
            {
                _seen[text] = (schedule, now);
            }
            else
            {
                _seen.TryRemove(text, out _);
            }

            return new Entry(schedule, false);
        }
        catch (UnreadableRecordException e)
        {
            unreadable.Report(StoreName, "schedule", e.Key, e.Reason);
            _seen.TryRemove(text, out _);
            return new Entry(null, false, e.Reason);
        }
        catch (Exception e) when (IsOutage(e))
        {
            return _seen.TryGetValue(text, out var remembered)
                ? new Entry(remembered.Schedule, true)
                : throw Unavailable(e);
        }
    }

    /// <summary>
    /// Stores a schedule for <paramref name="owner"/> (the client that asked; null when none did). Schedules the store
    /// removed to keep its <see cref="StoredScheduleBounds"/> leave this instance's memory too, so they are not served
    /// from it afterwards.
    /// </summary>
    public async Task SetAsync(ScheduleKey key, Schedule schedule, CancellationToken cancellationToken, string? owner = null)
    {
        var removed = await Guard(() => store.SetAsync(key, schedule, owner, cancellationToken));
        foreach (var gone in removed)
        {
            _seen.TryRemove(gone, out _);
            logger.LogInformation("Stored schedule {Removed} removed to keep the storage bounds (Hso:MaxStoredSchedulesPerClient, Hso:MaxStoredSchedules) after storing {Key}", gone, key);
        }

        if (removed.Count > 0)
        {
            telemetry.StoredSchedulesRemoved.Add(removed.Count);
        }

        _seen[key.ToString()] = (schedule, DateTimeOffset.UtcNow);
    }

    /// <summary>A model's stored schedules; records that cannot be used are reported, and named in the listing's <c>Unreadable</c>.</summary>
    public async Task<ScheduleListing> ListAsync(string model, string? after, int most, CancellationToken cancellationToken)
    {
        var listing = await Guard(() => store.ListAsync(model, after, most, cancellationToken));
        var entries = new List<(string Key, Schedule Schedule)>();
        var skipped = listing.Unreadable.ToList();
        foreach (var (key, schedule) in listing.Entries)
        {
            try
            {
                CheckModel(key, model, schedule);
                entries.Add((key, schedule));
            }
            catch (UnreadableRecordException e)
            {
                skipped.Add((e.Key, e.Reason));
            }
        }

        foreach (var (key, reason) in skipped)
        {
            unreadable.Report(StoreName, "schedule", key, reason);
        }

        return new ScheduleListing(entries, [.. skipped.OrderBy(s => s.Key, StringComparer.Ordinal)]);
    }

    // A schedule is made for one model's noise schedule: one made for another (a record copied under the wrong key)
    // would sample with the wrong times.
    private void CheckModel(string key, string model, Schedule schedule)
    {
        if (models.Contains(model))
        {
            StoredSchedule.CheckNoise(key, model, schedule, models.Noise(model));
        }
    }

    public Task<OptimizationJob?> CancelJobAsync(string id, CancellationToken cancellationToken) => Guard(() => queue.CancelAsync(id, cancellationToken));

    public Task<OptimizationJob?> JobAsync(string id, CancellationToken cancellationToken) => Guard(() => queue.GetAsync(id, cancellationToken));

    /// <summary>
    /// <see cref="ForClient"/> as the wire's JSON, made once per schedule object: the memory cache hands the same
    /// object to every read of a key, so a cached read only copies bytes (bench/http.sh).
    /// </summary>
    public byte[] ClientJson(string model, Schedule schedule) =>
        _clientJson.GetValue(schedule, s => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(ForClient(model, s), json.Value.SerializerOptions));

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Schedule, byte[]> _clientJson = [];

    /// <summary>The wire's JSON at an image's token count (a flow model that shifts by resolution): made per call, not cached.</summary>
    public byte[] ClientJson(string model, Schedule schedule, int? imageSeqLen) =>
        imageSeqLen is null ? ClientJson(model, schedule) : System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(ForClient(model, schedule, imageSeqLen), json.Value.SerializerOptions);

    /// <summary>
    /// The schedule as it leaves the service: with its diffusers terms on the model's noise schedule (at the image's
    /// token count where the model's flow scheduler shifts by resolution).
    /// </summary>
    public Schedule ForClient(string model, Schedule schedule, int? imageSeqLen = null)
    {
        var pipeline = models.Pipeline(model);
        var diffusers = DiffusersSchedule.For(schedule, pipeline.Noise, pipeline.DiscreteTime, imageSeqLen);
        if (diffusers is null && imageSeqLen is null && pipeline.Noise.Config.FlowMatch is { UseDynamicShifting: true })
        {
            // Say why the block is missing, and how to get it.
            return schedule with
            {
                Warnings = [.. schedule.Warnings, $"no diffusers block: {model}'s scheduler shifts its sigmas by the image's resolution (use_dynamic_shifting), so the block needs the size: GET this schedule with ?width=...&height=... (pixels)"],
            };
        }

        return schedule with { Diffusers = diffusers };
    }

    /// <summary>
    /// The store failed this call: it is unreachable or timed out (<see cref="IsStoreFailure"/>), the circuit refused the
    /// call, or Redis answered it with an error (out of memory, a script error); callers see 503.
    /// </summary>
    internal static bool IsOutage(Exception e) => IsStoreFailure(e) || e is RedisException || e is Polly.CircuitBreaker.BrokenCircuitException;

    /// <summary>
    /// What opens the circuit: the store is unreachable or does not answer in time. An error Redis answers with (a
    /// key of the wrong type, a script error, out of memory) is about one command or one record, not the store's
    /// health, and counts for nothing, so one bad key cannot shut the store off for every caller.
    /// </summary>
    internal static bool IsStoreFailure(Exception e) => e is RedisConnectionException or RedisTimeoutException or TimeoutException or ObjectDisposedException;

    private static StoreUnavailableException Unavailable(Exception e) => new(
        e switch
        {
            Polly.CircuitBreaker.IsolatedCircuitException => "the schedule store is unavailable (the connection to it is lost; not tried again until it reconnects)",
            Polly.CircuitBreaker.BrokenCircuitException => "the schedule store is unavailable (it failed just now; not tried again yet)",
            _ => "the schedule store is unavailable",
        },
        e);

    private async Task<T> Guard<T>(Func<Task<T>> action)
    {
        try
        {
            return await circuit.ExecuteAsync(action, CancellationToken.None);
        }
        catch (Exception e) when (IsOutage(e))
        {
            throw Unavailable(e);
        }
    }
}
