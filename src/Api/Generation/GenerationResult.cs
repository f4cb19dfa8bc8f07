using HsoService.Optimization.Schedules;

namespace HsoService.Api.Generation;

/// <summary>
/// What <see cref="GenerationService"/> produced: PNGs with their seeds, the schedule and where it came from, and how
/// many images the batch that sampled them held.
/// </summary>
public sealed record GenerationResult(IReadOnlyList<byte[]> Pngs, IReadOnlyList<long> Seeds, Schedule Schedule, ScheduleSource ScheduleSource, ResponseFormat Format, bool Stale = false, int BatchImages = 0);
