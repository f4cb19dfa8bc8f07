namespace HsoService.Api.Schedules;

/// <summary>
/// How many schedules of non-default options (keys with an options hash) a store keeps: at most
/// <paramref name="PerClient"/> stored by one client and <paramref name="Total"/> in all. A write beyond either removes
/// the oldest of them (the writer's own first, then the store's), so the newest write always succeeds; schedules of the
/// default options are never counted nor removed. Without bounds (<see cref="None"/>) ownership is still recorded.
/// </summary>
public sealed record StoredScheduleBounds(int PerClient, int Total)
{
    public static StoredScheduleBounds None { get; } = new(int.MaxValue, int.MaxValue);

    /// <summary>
    /// The owner recorded when a job has no client (none asked for it over HTTP) and for schedules stored before owners
    /// were recorded: many clients' at once, so they count towards the total only, never towards a per-client bound
    /// (an upgraded store does not lose all but 200 of them at its first start).
    /// </summary>
    public const string NoClient = "";
}
