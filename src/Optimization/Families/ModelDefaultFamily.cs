using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
namespace HsoService.Optimization.Families;

/// <summary>
/// <c>default</c>: the schedule the model's diffusers pipeline would sample with its shipped scheduler config. A DDPM
/// model: uniform_t with the config's <c>timestep_spacing</c>. A flow model: the config's shift as
/// FlowMatchEulerDiscreteScheduler.set_timesteps applies it (static shift: linspace(sigma_max, sigma_min, n) of its
/// shifted trained sigmas, shifted again; dynamic shift: mu from the image's token count; then shift_terminal), with
/// linspace(1, 1/n, n) as the unshifted sigmas where the pipeline passes those (FluxPipeline).
/// </summary>
public sealed class ModelDefaultFamily : IScheduleFamily
{
    public string Name => "default";

    public string? DefaultVariant => null;

    public double[] Times(NoiseSchedule noise, SolverKind solver, int nfe, FamilyOptions options, List<string> warnings)
    {
        if (noise is not RectifiedFlowSchedule flow)
        {
            return new UniformTimeFamily().Times(noise, solver, nfe, options with { Variant = noise.Config.TimestepSpacing }, warnings);
        }

        double? mu = null;
        if (flow.Settings.UseDynamicShifting)
        {
            var tokens = options.ImageSeqLen
                ?? throw new HsoArgumentException("this model's scheduler shifts its default sigmas by the image's resolution (use_dynamic_shifting): give width and height", "width");
            mu = FlowTimeShift.Mu(flow.Settings, tokens);
        }

        return FlowSigmas.Times(noise, solver, FlowTimeShift.DefaultSigmas(flow.Settings, noise.TrainSteps, nfe, mu, options.PipelineLinspace));
    }
}
