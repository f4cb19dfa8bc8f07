using HsoService.Optimization.Schedules;

namespace HsoService.Api.Generation;

/// <summary>The JSON answer of <c>/generate</c>: creation time (Unix seconds), the images, and the schedule used.</summary>
/// <param name="Created">When the images were made, in Unix seconds.</param>
/// <param name="Data">The images, in seed order.</param>
/// <param name="Schedule">The schedule the sampler ran, with its times in every convention.</param>
/// <param name="ScheduleSource">Where the schedule came from (also the X-Hso-Schedule-Source header). For schedule auto: validated, selected, or family-default:reason (selection-pending, no-scorer, nfe-above-limit, store-unavailable); for a named HSO, selected or validated schedule: cached or computed; family for a family; explicit for times or timesteps.</param>
public sealed record GenerateResponse(long Created, IReadOnlyList<GeneratedImage> Data, Schedule Schedule, ScheduleSource ScheduleSource);
