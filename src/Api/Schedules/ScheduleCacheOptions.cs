namespace HsoService.Api.Schedules;

/// <summary>How long <see cref="ScheduleService"/> serves a schedule it read without reading the store again.</summary>
public sealed record ScheduleCacheOptions(TimeSpan FreshFor, TimeProvider Time);
