namespace HsoService.Api.Schedules;

/// <summary>The body of <c>POST /schedules</c>. solver defaults to the model's default (unipc), mode to selected (the best of the families and HSO measured on the model), seed to 66.</summary>
public sealed record ScheduleRequest(string? Model, string? Solver, int? Nfe, string? Mode, int? Seed, bool? Force);
