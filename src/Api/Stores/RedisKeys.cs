namespace HsoService.Api.Stores;

/// <summary>Every Redis key the service uses, versioned so a future layout can live beside this one.</summary>
public static class RedisKeys
{
    public const string Prefix = "hso:v1:";
    public const string JobStream = Prefix + "jobs";
    public const string ConsumerGroup = "workers";

    public static string Schedule(string key) => $"{Prefix}schedule:{key}";

    public static string ModelIndex(string model) => $"{Prefix}schedules:{model}";

    /// <summary>Who stored each schedule of non-default options (a hash: key to owner).</summary>
    public const string OptionOwners = Prefix + "option-owners";

    /// <summary>Every stored schedule of non-default options, scored by when it was stored (µs).</summary>
    public const string OptionSchedules = Prefix + "option-schedules";

    /// <summary>One owner's stored schedules of non-default options, scored by when they were stored (µs).</summary>
    public static string ClientSchedules(string owner) => $"{Prefix}client-schedules:{owner}";

    public static string Job(string id) => $"{Prefix}job:{id}";

    public static string ActiveJob(string key) => $"{Prefix}active:{key}";

    public static string ClientJobs(string client) => $"{Prefix}client:{client}";
}
