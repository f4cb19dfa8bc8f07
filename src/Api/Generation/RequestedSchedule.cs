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
    /// <param name="options">What the model's default schedule needs from the request (Flux: the image's token count).</param>
    public static RequestedSchedule Parse(JsonElement? requested, NoiseSchedule noise, SolverKind solver, int nfe, FamilyOptions? options = null)
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
            case { ValueKind: JsonValueKind.Object } diffusers when diffusers.TryGetProperty("sigmas", out _):
                return Explicit(noise, solver, nfe, DiffusersSigmas(noise, solver, nfe, diffusers));
            case { ValueKind: JsonValueKind.Object } diffusers:
                return Explicit(noise, solver, nfe, DiffusersTimesteps(noise, solver, nfe, diffusers));
            case { ValueKind: JsonValueKind.String } text:
                return Named(text.GetString()!, noise, solver, nfe, options);
            case var other:
                throw new HsoArgumentException($"schedule must be a name, an array of times, {{\"timesteps\": [...]}} or {{\"sigmas\": [...]}}, got {other.Value.ValueKind}", "schedule");
        }
    }

    private static Fixed Explicit(NoiseSchedule noise, SolverKind solver, int nfe, List<double> times)
    {
        // Validated under the request's field name before Build checks it again as "t".
        ScheduleBuilder.Validate(noise, solver, nfe, times, "schedule");
        return new Fixed(ScheduleBuilder.Build(noise, solver, nfe, times, ScheduleMode.Explicit), ScheduleSource.Explicit);
    }

    private static RequestedSchedule Named(string name, NoiseSchedule noise, SolverKind solver, int nfe, FamilyOptions? options)
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
                    ? new Fixed(Family(noise, name, solver, nfe, options), ScheduleSource.Family)
                    : throw new HsoArgumentException(
                        $"schedule '{EchoedText.Shorten(name)}' is not auto, selected, validated, {string.Join(", ", NamedSchedules.Names)} (uniform_t:trailing|leading|linspace, edm:RHO), an array of times or {{\"timesteps\": [...]}}",
                        "schedule");
        }
    }

    /// <summary>A family's schedule; what it refuses (ays on a flow, a bad variant) is the request's <c>schedule</c> field.</summary>
    private static Schedule Family(NoiseSchedule noise, string name, SolverKind solver, int nfe, FamilyOptions? options)
    {
        try
        {
            return ScheduleFamilies.Build(noise, name, solver, nfe, options);
        }
        catch (HsoArgumentException e) when (e.ParamName == "family")
        {
            throw new HsoArgumentException(e.Message, "schedule");
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
            throw new HsoArgumentException("schedule as an object must be {\"timesteps\": [...]} (diffusers' integer timesteps, noisiest first) or {\"sigmas\": [...]} (the scheduler's sigmas, ending in 0)", "schedule");
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

    /// <summary>
    /// diffusers' <c>sigmas=</c> as a schedule: the model's scheduler's sigmas, noisiest first, NFE evaluated and a final
    /// 0 (a flow's sigma s, FlowMatchEulerDiscreteScheduler's <c>scheduler.sigmas</c>; a DDPM model's EDM sigma, as
    /// EulerDiscreteScheduler's). The final 0 is the to_zero finish; DPM-Solver++ and UniPC get 1/N as the bound of
    /// their last step, which lands on sigma = 0 from the last evaluated sigma.
    /// </summary>
    private static List<double> DiffusersSigmas(NoiseSchedule noise, SolverKind solver, int nfe, JsonElement schedule)
    {
        if (schedule.GetProperty("sigmas") is not { ValueKind: JsonValueKind.Array } list || schedule.EnumerateObject().Count() != 1)
        {
            throw new HsoArgumentException("schedule as an object must be {\"sigmas\": [...]}: the scheduler's sigmas, noisiest first, ending in 0", "schedule");
        }

        var sigmas = list.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.Number && item.TryGetDouble(out var value) && double.IsFinite(value) && value >= 0
            ? value
            : throw new HsoArgumentException($"schedule.sigmas must hold finite numbers >= 0; found {EchoedText.Shorten(item.GetRawText(), 32)}", "schedule")).ToList();
        if (sigmas.Count != nfe + 1 || sigmas[^1] != 0)
        {
            throw new HsoArgumentException($"schedule.sigmas must hold NFE + 1 = {nfe + 1} values, the NFE evaluated sigmas then 0; got {sigmas.Count} ending in {sigmas.LastOrDefault()}", "schedule");
        }

        var maximum = noise.SchedulerSigma(1.0);
        var times = new List<double>(nfe + 1);
        foreach (var sigma in sigmas.Take(nfe))
        {
            if (!(sigma > 0) || sigma > maximum * (1 + 1e-6))
            {
                throw new HsoArgumentException($"schedule.sigmas must be in (0, {maximum:G6}] before the final 0 (this model's sigma range); found {sigma:G6}", "schedule");
            }

            times.Add(noise.IsFlow ? Math.Min(sigma, 1.0) : noise.TFromEdmSigma(sigma));
        }

        if (solver != SolverKind.Ddim)
        {
            times.Add(noise.TMin);
        }

        return times;
    }
}
