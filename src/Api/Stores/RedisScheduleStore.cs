using HsoService.Inference.Storage;
using HsoService.Api.Schedules;
using HsoService.Optimization.Schedules;
using StackExchange.Redis;

namespace HsoService.Api.Stores;

/// <summary>
/// Schedules in Redis as JSON strings at <c>hso:v1:schedule:{model}:{solver}:{nfe}:{mode}[:hash]</c>, with a set per
/// model listing its keys. Shared by every instance on the same Redis. Schedules of non-default options (a key with an
/// options hash) expire after <c>optionRetention</c>, and are bounded in number (<see cref="StoredScheduleBounds"/>):
/// each is in a sorted set of its owner's and one of all, scored by when it was stored, and its owner is in a hash,
/// all written with the value in one script, which also removes the oldest beyond the bounds and forgets the expired.
/// The model's set may still name a key that expired since; listing skips it.
/// A value that is not the schedule its key names, or a key of another Redis type, is
/// <see cref="UnreadableRecordException"/> (a data error: it is not an outage and does not open the store circuit).
/// </summary>
public sealed class RedisScheduleStore(IConnectionMultiplexer redis, TimeSpan? optionRetention = null, StoredScheduleBounds? bounds = null) : IScheduleStore
{
    private readonly StoredScheduleBounds _bounds = bounds ?? StoredScheduleBounds.None;

    private IDatabase Database => redis.GetDatabase();

    // A schedule of non-default options stored, in one step. Its time is Redis's clock in µs, later than every one
    // before (so instances' clocks never matter and two writes never tie). Written again, the key leaves its previous
    // owner's set: the last writer owns it, with the new time. Then the entries older than the retention (their values
    // have expired) are forgotten, and the oldest beyond the owner's bound, then beyond the total, are deleted with
    // their value and their model's set entry. KEYS: value, model set, owners hash, all-set, owner's set. ARGV: json,
    // retention ms (0: kept for good), owner, key, per-client bound, total bound, and the prefixes of value keys, owner
    // sets and model sets. Returns the keys deleted for the bounds.
    private const string SetOptionScript = """
        local function forget(key, delete)
          local owner = redis.call('hget', KEYS[3], key)
          if owner then redis.call('zrem', ARGV[8] .. owner, key) end
          redis.call('hdel', KEYS[3], key)
          redis.call('zrem', KEYS[4], key)
          local model = string.match(key, '^(.*):[^:]*:[^:]*:[^:]*:[^:]*$')
          if model then redis.call('srem', ARGV[9] .. model, key) end
          if delete then redis.call('del', ARGV[7] .. key) end
        end
        local clock = redis.call('time')
        local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
        local last = redis.call('zrange', KEYS[4], -1, -1, 'withscores')
        if last[2] and tonumber(last[2]) >= now then now = tonumber(last[2]) + 1 end
        local retention = tonumber(ARGV[2])
        if retention > 0 then
          for _, key in ipairs(redis.call('zrangebyscore', KEYS[4], '-inf', '(' .. (now - retention * 1000))) do forget(key, false) end
          redis.call('set', KEYS[1], ARGV[1], 'px', retention)
        else
          redis.call('set', KEYS[1], ARGV[1])
        end
        local previous = redis.call('hget', KEYS[3], ARGV[4])
        if previous and previous ~= ARGV[3] then redis.call('zrem', ARGV[8] .. previous, ARGV[4]) end
        redis.call('sadd', KEYS[2], ARGV[4])
        redis.call('hset', KEYS[3], ARGV[4], ARGV[3])
        redis.call('zadd', KEYS[4], now, ARGV[4])
        redis.call('zadd', KEYS[5], now, ARGV[4])
        if retention > 0 then redis.call('pexpire', KEYS[5], retention) end
        local removed = {}
        local over = redis.call('zcard', KEYS[5]) - tonumber(ARGV[5])
        if over > 0 then
          for _, key in ipairs(redis.call('zrange', KEYS[5], 0, over - 1)) do forget(key, true) table.insert(removed, key) end
        end
        over = redis.call('zcard', KEYS[4]) - tonumber(ARGV[6])
        if over > 0 then
          for _, key in ipairs(redis.call('zrange', KEYS[4], 0, over - 1)) do forget(key, true) table.insert(removed, key) end
        end
        return removed
        """;

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

    public async Task<IReadOnlyList<string>> SetAsync(ScheduleKey key, Schedule schedule, string? owner = null, CancellationToken cancellationToken = default)
    {
        var text = key.ToString();
        if (key.OptionsHash is not null)
        {
            owner ??= StoredScheduleBounds.NoClient;
            var removed = (RedisResult[])(await Database.ScriptEvaluateAsync(
                SetOptionScript,
                [RedisKeys.Schedule(text), RedisKeys.ModelIndex(key.Model), RedisKeys.OptionOwners, RedisKeys.OptionSchedules, RedisKeys.ClientSchedules(owner)],
                [ScheduleJson.Serialize(schedule), (long)(optionRetention?.TotalMilliseconds ?? 0), owner, text, owner == StoredScheduleBounds.NoClient ? int.MaxValue : _bounds.PerClient, _bounds.Total, RedisKeys.Schedule(""), RedisKeys.ClientSchedules(""), RedisKeys.ModelIndex("")]))!;
            return [.. removed.Select(r => r.ToString())];
        }

        var batch = Database.CreateTransaction();
        _ = batch.StringSetAsync(RedisKeys.Schedule(text), ScheduleJson.Serialize(schedule));
        _ = batch.SetAddAsync(RedisKeys.ModelIndex(key.Model), text);
        if (!await batch.ExecuteAsync())
        {
            throw new RedisException($"storing schedule {text} did not commit");
        }

        return [];
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
