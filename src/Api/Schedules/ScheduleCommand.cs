using HsoService.Inference.Storage;
using HsoService.Api.Hosting;
using HsoService.Inference.Requests;
using HsoService.Optimization;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Api.Schedules;

/// <summary>
/// <c>POST /schedules</c> parsed once: a served model, a solver, an NFE, a mode, a seed within
/// <see cref="RequestLimits"/> and, for mode validated, a strategy (null: the default); everything after the endpoint
/// trusts these types.
/// </summary>
public sealed record ScheduleCommand(string Model, SolverKind Solver, int Nfe, ScheduleMode Mode, int Seed, bool Force, string? Client = null, ValidatedStrategy? Strategy = null)
{
    public ScheduleKey Key => ScheduleKey.For(Model, Solver, Nfe, Mode, Seed, Strategy);

    public static ScheduleCommand Parse(ScheduleRequest request, ModelCatalog models)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = models.Require(request.Model);
        var nfe = RequestLimits.OptimizeNfe.Check(request.Nfe ?? throw new HsoArgumentException($"nfe is required (an integer in {RequestLimits.OptimizeNfe})", "nfe"), "nfe");
        var solver = request.Solver is null ? models.DefaultSolver(model) : Solvers.Parse(request.Solver);
        var mode = ScheduleModes.ParseRequestMode(request.Mode ?? ScheduleModes.DefaultRequestMode);
        models.RequireMeasurable(model, mode, "mode");
        var seed = (int)RequestLimits.OptimizerSeed.Check(request.Seed ?? ScheduleKey.DefaultSeed, "seed");
        return new ScheduleCommand(model, solver, nfe, mode, seed, request.Force ?? false, Strategy: ParseStrategy(request.Strategy, mode));
    }

    /// <summary>The strategy of a validated request (null when absent); refused, naming the field, for any other mode.</summary>
    public static ValidatedStrategy? ParseStrategy(string? text, ScheduleMode mode)
    {
        if (text is null)
        {
            return null;
        }

        if (mode != ScheduleMode.Validated)
        {
            throw new HsoArgumentException($"strategy applies to mode validated only, not {mode.Name()}; leave it out or ask for mode validated", "strategy");
        }

        return ValidatedStrategies.Parse(text);
    }
}
