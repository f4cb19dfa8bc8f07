using HsoService.Optimization.Schedules;

namespace HsoService.Api.Generation;

/// <summary>The JSON answer of <c>/generate</c>: creation time (Unix seconds), the images, and the schedule used.</summary>
public sealed record GenerateResponse(long Created, IReadOnlyList<GeneratedImage> Data, Schedule Schedule, string ScheduleSource);
