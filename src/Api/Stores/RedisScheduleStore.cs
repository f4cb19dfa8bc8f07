using HsoService.Api.Schedules;
using HsoService.Optimization.Schedules;
using StackExchange.Redis;

namespace HsoService.Api.Stores;

/// <summary>
/// Schedules in Redis as JSON strings at <c>hso:v1:schedule:{model}:{solver}:{nfe}:{mode}[:hash]</c>, with a set per
/// model listing its keys. Shared by every instance on the same Redis. Schedules of non-default options (a key with an
/// options hash) expire after <c>optionRetention</c>; the model's set may still name them, and listing skips them.
/// A value that is not the schedule its key names, or a key of another Redis type, is
/// <see cref="UnreadableRecordException"/> (a data error: it is not an outage and does not open the store circuit).
/// </summary>
public sealed class RedisScheduleStore(IConnectionMultiplexer redis, TimeSpan? optionRetention = null) : IScheduleStore
{
    private IDatabase Database => redis.GetDatabase();

    public async Task<Schedule?> GetAsync(ScheduleKey key, CancellationToken cancellationToken = default)
    {
        var text = key.ToString();
        RedisValue value;
        try
        {
            value = await Database.StringGetAsync(RedisKeys.Schedule(text));
        }
        catch (RedisServerException e) when (e.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            throw new UnreadableRecordException(text, "its Redis key holds another type than a string");
        }

        return value.IsNullOrEmpty ? null : StoredSchedule.Read(text, value!);
    }

    public async Task SetAsync(ScheduleKey key, Schedule schedule, CancellationToken cancellationToken = default)
    {
        var text = key.ToString();
        var batch = Database.CreateTransaction();
        _ = batch.StringSetAsync(RedisKeys.Schedule(text), ScheduleJson.Serialize(schedule), key.OptionsHash is null ? null : optionRetention);
        _ = batch.SetAddAsync(RedisKeys.ModelIndex(key.Model), text);
        if (!await batch.ExecuteAsync())
        {
            throw new RedisException($"storing schedule {text} did not commit");
        }
    }

    public async Task<ScheduleListing> ListAsync(string model, string? after = null, int most = int.MaxValue, CancellationToken cancellationToken = default)
    {
        // The model's set is the index: its names are sorted and cut by the cursor, and only a page's values are read.
        var keys = (await Database.SetMembersAsync(RedisKeys.ModelIndex(model)))
            .Select(k => k.ToString())
            .Where(k => after is null || string.CompareOrdinal(k, after) > 0)
            .Order(StringComparer.Ordinal)
            .ToArray();
        var entries = new List<(string, Schedule)>();
        var unreadable = new List<(string, string)>();
        for (var next = 0; next < keys.Length && entries.Count < most;)
        {
            // A chunk as large as what is still wanted (plus a few for expired keys), read with one MGET.
            var chunk = keys.AsSpan(next, (int)Math.Min(keys.Length - next, Math.Min((long)most - entries.Count + 8, 1000))).ToArray();
            next += chunk.Length;

            // MGET answers nil for a key of another type, as for an expired one: those are skipped with the expired.
            var values = await Database.StringGetAsync([.. chunk.Select(k => (RedisKey)RedisKeys.Schedule(k))]);
            foreach (var (key, value) in chunk.Zip(values))
            {
                if (value.IsNullOrEmpty || entries.Count >= most)
                {
                    continue;
                }

                try
                {
                    entries.Add((key, StoredSchedule.Read(key, value!)));
                }
                catch (UnreadableRecordException e)
                {
                    unreadable.Add((key, e.Reason));
                }
            }
        }

        return new ScheduleListing(entries, unreadable);
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await Database.PingAsync();
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return false;
        }
    }
}
