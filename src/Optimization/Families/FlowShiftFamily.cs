using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using System.Globalization;

namespace HsoService.Optimization.Families;

/// <summary>
/// The default sigmas of a FlowMatchEulerDiscreteScheduler with a static shift (the variant, default 3: SD3's):
/// linspace(1, shift(1/N), n) shifted again, as its <c>set_timesteps(n)</c> computes them. Flow models only; on a
/// flow model the shift its config ships is also its <c>default</c>.
/// </summary>
public sealed class FlowShiftFamily : IScheduleFamily
{
    public string Name => "flow_shift";

    public string? DefaultVariant => "3";

    public double[] Times(NoiseSchedule noise, SolverKind solver, int nfe, FamilyOptions options, List<string> warnings)
    {
        if (!noise.IsFlow)
        {
            throw new HsoArgumentException("flow_shift is a flow-matching schedule; this model has a DDPM noise schedule (use uniform_t, uniform_lambda, edm or ays)", "family");
        }

        var text = options.Variant ?? DefaultVariant!;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var shift) || !double.IsFinite(shift) || shift <= 0 || shift > 100)
        {
            throw new HsoArgumentException($"flow_shift '{text}' must be a number in (0, 100] (for example flow_shift:3)", "family");
        }

        var settings = new FlowMatchSettings { Shift = shift };
        return FlowSigmas.Times(noise, solver, FlowTimeShift.DefaultSigmas(settings, noise.TrainSteps, nfe));
    }
}
