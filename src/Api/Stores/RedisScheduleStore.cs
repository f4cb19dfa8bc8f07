using HsoService.Api.Schedules;
using HsoService.Optimization.Schedules;
using StackExchange.Redis;

namespace HsoService.Api.Stores;

/// <summary>
/// Schedules in Redis as JSON strings at <c>hso:v1:schedule:{model}:{solver}:{nfe}:{mode}[:hash]</c>, with a set per
/// model listing its keys. Shared by every instance on the same Redis. Schedules of non-default options (a key with an
/// options hash) expire after <c>optionRetention</c>; the model's set may still name them, and listing skips them.
/// </summary>
public sealed class RedisScheduleStore(IConnectionMultiplexer redis, TimeSpan? optionRetention = null) : IScheduleStore
{
    private IDatabase Database => redis.GetDatabase();

    public async Task<Schedule?> GetAsync(ScheduleKey key, CancellationToken cancellationToken = default)
    {
        var value = await Database.StringGetAsync(RedisKeys.Schedule(key.ToString()));
        return value.IsNullOrEmpty ? null : ScheduleJson.Deserialize(value!);
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

    public async Task<IReadOnlyList<(string Key, Schedule Schedule)>> ListAsync(string model, CancellationToken cancellationToken = default)
    {
        var keys = (await Database.SetMembersAsync(RedisKeys.ModelIndex(model))).Select(k => k.ToString()).Order(StringComparer.Ordinal).ToArray();
        if (keys.Length == 0)
        {
            return [];
        }

        var values = await Database.StringGetAsync(keys.Select(k => (RedisKey)RedisKeys.Schedule(k)).ToArray());
        return [.. keys.Zip(values).Where(pair => !pair.Second.IsNullOrEmpty).Select(pair => (pair.First, ScheduleJson.Deserialize(pair.Second!)))];
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
