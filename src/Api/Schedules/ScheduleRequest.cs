namespace HsoService.Api.Schedules;

/// <summary>The body of <c>POST /schedules</c>. solver defaults to the model's default (unipc), mode to selected (the best of the families and HSO measured on the model), seed to 66.</summary>
/// <param name="Model">A served model id (GET /models).</param>
/// <param name="Solver">ddim (euler is read as ddim), unipc or dpmpp2m; the model's default solver when absent.</param>
/// <param name="Nfe">Network evaluations of the sampler, 2..50.</param>
/// <param name="Mode">selected (default: the best of the families and HSO measured on the model), validated (searched on the model), robust or paper (HSO).</param>
/// <param name="Seed">The optimizer's seed, a non-negative integer; 66 when absent.</param>
/// <param name="Strategy">Mode validated only: how the search finds its schedule. refine (default: the FD search's two levels on 256 samples, a twentieth of its cost), trajectory (a dynamic program over the model's teacher trajectories), teacher (matching the teacher's samples in feature space) or search (the FD search: hundreds of measurements of K samples, Hso:Validation). Each ends by confirming its schedule against the best family on fresh samples.</param>
/// <param name="Force">Recompute even when the key is cached. (A selection measured again on the same calibration draw gets the same scores, which the model's scorer remembers, so it comes back at once with the same choice.)</param>
public sealed record ScheduleRequest(string? Model, string? Solver, int? Nfe, string? Mode, long? Seed, bool? Force, string? Strategy = null);
