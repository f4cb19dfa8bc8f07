namespace HsoService.Api.Stores;

/// <summary>Every Redis key the service uses, versioned so a future layout can live beside this one.</summary>
public static class RedisKeys
{
    public const string Prefix = "hso:v1:";
    public const string JobStream = Prefix + "jobs";
    public const string ConsumerGroup = "workers";

    public static string Schedule(string key) => $"{Prefix}schedule:{key}";

    public static string ModelIndex(string model) => $"{Prefix}schedules:{model}";

    public static string Job(string id) => $"{Prefix}job:{id}";

    public static string ActiveJob(string key) => $"{Prefix}active:{key}";

    public static string ClientJobs(string client) => $"{Prefix}client:{client}";
}
