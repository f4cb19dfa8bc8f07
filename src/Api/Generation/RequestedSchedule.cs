using System.Text.Json;
using HsoService.Api.Hosting;
using HsoService.Optimization;
using HsoService.Optimization.Families;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Api.Generation;

/// <summary>
/// <c>/generate</c>'s <c>schedule</c> parsed once: a schedule that needs no store is built here (explicit times,
/// diffusers timesteps, a family with its variant); the others name what to look up (auto, a stored validated or
/// selected schedule, a named HSO schedule).
/// </summary>
public abstract record RequestedSchedule
{
    /// <summary>The cached validated or selected schedule, else the solver's default family while the selection is queued.</summary>
    public sealed record Auto : RequestedSchedule;

    /// <summary>A stored validated or selected schedule, and nothing else.</summary>
    public sealed record Stored(ScheduleMode Mode) : RequestedSchedule;

    /// <summary>A named HSO schedule (paper or robust mode): the stored one, else searched once for the key.</summary>
    public sealed record Hso(ScheduleMode Mode) : RequestedSchedule;

    /// <summary>A schedule built from the request alone.</summary>
    public sealed record Fixed(Schedule Schedule, ScheduleSource Source) : RequestedSchedule;

    /// <summary>Parses the request's value for a model's noise schedule, solver and NFE; throws naming <c>schedule</c>.</summary>
    public static RequestedSchedule Parse(JsonElement? requested, NoiseSchedule noise, SolverKind solver, int nfe)
    {
        ArgumentNullException.ThrowIfNull(noise);
        switch (requested)
        {
            case null or { ValueKind: JsonValueKind.Null }:
                return new Auto();
            case { ValueKind: JsonValueKind.Array } array:
                var times = new List<double>();
                foreach (var item in array.EnumerateArray())
                {
                    times.Add(item.ValueKind == JsonValueKind.Number && item.TryGetDouble(out var t) && double.IsFinite(t)
                        ? t
                        : throw new HsoArgumentException($"schedule must hold numbers; found {EchoedText.Shorten(item.GetRawText(), 32)}", "schedule"));
                }

                return Explicit(noise, solver, nfe, times);
            case { ValueKind: JsonValueKind.Object } diffusers:
                return Explicit(noise, solver, nfe, DiffusersTimesteps(noise, solver, nfe, diffusers));
            case { ValueKind: JsonValueKind.String } text:
                return Named(text.GetString()!, noise, solver, nfe);
            case var other:
                throw new HsoArgumentException($"schedule must be a name, an array of times or {{\"timesteps\": [...]}}, got {other.Value.ValueKind}", "schedule");
        }
    }

    private static Fixed Explicit(NoiseSchedule noise, SolverKind solver, int nfe, List<double> times)
    {
        // Validated under the request's field name before Build checks it again as "t".
        ScheduleBuilder.Validate(noise, solver, nfe, times, "schedule");
        return new Fixed(ScheduleBuilder.Build(noise, solver, nfe, times, ScheduleMode.Explicit), ScheduleSource.Explicit);
    }

    private static RequestedSchedule Named(string name, NoiseSchedule noise, SolverKind solver, int nfe)
    {
        switch (name)
        {
            case "auto":
                return new Auto();
            case NamedSchedules.HsoRobust or NamedSchedules.HsoPaper:
                Inference.Requests.RequestLimits.OptimizeNfe.Check(nfe, "nfe");
                return new Hso(name == NamedSchedules.HsoPaper ? ScheduleMode.Paper : ScheduleMode.Robust);
            case "validated" or "selected":
                Inference.Requests.RequestLimits.OptimizeNfe.Check(nfe, "nfe");
                return new Stored(ScheduleModes.ParseRequestMode(name));
            default:
                return ScheduleFamilies.IsFamily(name)
                    ? new Fixed(ScheduleFamilies.Build(noise, name, solver, nfe), ScheduleSource.Family)
                    : throw new HsoArgumentException(
                        $"schedule '{EchoedText.Shorten(name)}' is not auto, selected, validated, {string.Join(", ", NamedSchedules.Names)} (uniform_t:trailing|leading|linspace, edm:RHO), an array of times or {{\"timesteps\": [...]}}",
                        "schedule");
        }
    }

    /// <summary>
    /// diffusers' <c>timesteps=</c> as a schedule: NFE trained steps k, noisiest first, each evaluated at t = (k + 1)/N.
    /// DPM-Solver++ and UniPC schedules carry one more point that only bounds the last step (it lands on sigma = 0),
    /// the trained step below the last one; so their last timestep must be at least 1.
    /// </summary>
    private static List<double> DiffusersTimesteps(NoiseSchedule noise, SolverKind solver, int nfe, JsonElement schedule)
    {
        if (!schedule.TryGetProperty("timesteps", out var list) || list.ValueKind != JsonValueKind.Array || schedule.EnumerateObject().Count() != 1)
        {
            throw new HsoArgumentException("schedule as an object must be {\"timesteps\": [...]}: diffusers' integer timesteps, noisiest first", "schedule");
        }

        var steps = list.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var k) && k >= 0 && k < noise.TrainSteps
            ? k
            : throw new HsoArgumentException($"schedule.timesteps must hold integers in 0..{noise.TrainSteps - 1}; found {EchoedText.Shorten(item.GetRawText(), 32)}", "schedule")).ToList();
        if (steps.Count != nfe)
        {
            throw new HsoArgumentException($"schedule.timesteps must hold NFE = {nfe} timesteps (one per evaluation), got {steps.Count}", "schedule");
        }

        if (steps.Zip(steps.Skip(1)).Any(pair => pair.Second >= pair.First))
        {
            throw new HsoArgumentException("schedule.timesteps must be strictly descending", "schedule");
        }

        var times = steps.Select(k => (k + 1.0) / noise.TrainSteps).ToList();
        if (solver != SolverKind.Ddim)
        {
            times.Add(steps[^1] >= 1
                ? steps[^1] / (double)noise.TrainSteps
                : throw new HsoArgumentException($"schedule.timesteps must end at 1 or above for {solver.Name()}: its last step lands on sigma = 0 from the last timestep", "schedule"));
        }

        return times;
    }
}
