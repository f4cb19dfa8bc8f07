using HsoService.Api.Hosting;
using HsoService.Inference.Requests;
using HsoService.Optimization;
using HsoService.Optimization.Schedules;

namespace HsoService.Api.Schedules;

/// <summary>
/// <c>POST /schedules</c> parsed once: a served model, a solver, an NFE, a mode and a seed within
/// <see cref="RequestLimits"/>; everything after the endpoint trusts these types.
/// </summary>
public sealed record ScheduleCommand(string Model, SolverKind Solver, int Nfe, ScheduleMode Mode, int Seed, bool Force, string? Client = null)
{
    public ScheduleKey Key => ScheduleKey.For(Model, Solver, Nfe, Mode, Seed);

    public static ScheduleCommand Parse(ScheduleRequest request, ModelCatalog models)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = models.Require(request.Model);
        var nfe = RequestLimits.OptimizeNfe.Check(request.Nfe ?? throw new HsoArgumentException($"nfe is required (an integer in {RequestLimits.OptimizeNfe})", "nfe"), "nfe");
        var solver = request.Solver is null ? models.DefaultSolver(model) : Solvers.Parse(request.Solver);
        var mode = ScheduleModes.ParseRequestMode(request.Mode ?? ScheduleModes.DefaultRequestMode);
        var seed = (int)RequestLimits.OptimizerSeed.Check(request.Seed ?? ScheduleKey.DefaultSeed, "seed");
        return new ScheduleCommand(model, solver, nfe, mode, seed, request.Force ?? false);
    }
}
