using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Optimization.Schedules;

/// <summary>
/// A schedule in the terms diffusers and k-diffusion take, so that a client sampling with it itself steps through
/// the same sigmas as this service. For an integer-timestep network (a diffusers UNet exported with int64 timesteps)
/// the timesteps are exactly the steps the service evaluates; for a continuous-time network they are the nearest
/// trained steps, and the sigmas (which k-diffusion and diffusers' <c>sigmas=</c> turn back into continuous times)
/// are the exact ones.
/// </summary>
/// <param name="Scheduler">The diffusers scheduler that takes these values: DPMSolverMultistepScheduler for dpmpp2m (timesteps=), EulerDiscreteScheduler for ddim (sigmas=; Euler in sigma is DDIM's update); null for unipc, whose diffusers scheduler takes no custom timesteps (huggingface/diffusers#14442): use sigmas with k-diffusion or ComfyUI there.</param>
/// <param name="Timesteps">The trained timesteps the network is evaluated at, noisiest first, one per evaluation: pipe(timesteps=...).</param>
/// <param name="Sigmas">sqrt((1 - alpha_bar) / alpha_bar) at each of those timesteps, then the sigma the last step ends at (0 when final_step is to_zero or denoise): pipe(sigmas=...), k-diffusion and ComfyUI.</param>
/// <param name="FinalSigmasType">diffusers' final_sigmas_type that ends the same way: zero, sigma_min, or null when none does.</param>
/// <param name="Mu">For a flow scheduler that shifts by resolution: the mu to pass with the sigmas (set_timesteps(sigmas=..., mu=...)).</param>
/// <remarks>
/// For a flow model the block is for its own FlowMatchEulerDiscreteScheduler configured as shipped:
/// <c>set_timesteps(sigmas=...)</c> shifts custom sigmas by the config's shift (or mu) again and appends 0, so
/// <see cref="Sigmas"/> are the evaluated flow sigmas inverted through that shift (NFE values, no final 0), and the
/// scheduler then visits exactly the schedule's sigmas. Where the config's shift_terminal would stretch them, or the
/// schedule does not end at 0, or mu is unknown (no width and height), no block can reproduce it and none is given.
/// </remarks>
public sealed record DiffusersSchedule(string? Scheduler, IReadOnlyList<int> Timesteps, IReadOnlyList<double> Sigmas, string? FinalSigmasType, double? Mu = null)
{
    /// <param name="imageSeqLen">The image's packed token count, for a flow scheduler that shifts by resolution.</param>
    public static DiffusersSchedule? For(Schedule schedule, NoiseSchedule noise, bool discreteTime, int? imageSeqLen = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(noise);
        var used = discreteTime ? ScheduleSnapping.Snap(noise, schedule.T, out _) : [.. schedule.T];
        var path = IntegrationPath.Times(schedule.Solver, noise, used, schedule.FinalStep);

        // The denoise finish evaluates the last time too and returns that data prediction: a first-order step to 0.
        var denoise = schedule.FinalStep == FinalStep.Denoise && schedule.Solver != SolverKind.Ddim;
        var evaluated = denoise ? used : path[..^1];
        var end = denoise ? 0.0 : path[^1];
        if (noise is RectifiedFlowSchedule flow)
        {
            return ForFlow(flow, evaluated, end, imageSeqLen);
        }

        double SigmaAt(double t) => t == 0 ? 0 : noise.Sigma(t) / noise.Alpha(t);

        var finalType = end == 0 ? "zero" : noise.DiscreteTimestep(end) == 0 ? "sigma_min" : null;
        var scheduler = schedule.Solver switch
        {
            SolverKind.DpmPp2M => "DPMSolverMultistepScheduler",
            SolverKind.Ddim => "EulerDiscreteScheduler",
            _ => null,
        };
        return new DiffusersSchedule(scheduler, [.. evaluated.Select(noise.DiscreteTimestep)], [.. evaluated.Select(SigmaAt), SigmaAt(end)], finalType);
    }

    private static DiffusersSchedule? ForFlow(RectifiedFlowSchedule flow, IReadOnlyList<double> evaluated, double end, int? imageSeqLen)
    {
        var settings = flow.Settings;
        if (end != 0 || settings.ShiftTerminal is not null || (settings.UseDynamicShifting && imageSeqLen is null))
        {
            return null;
        }

        double? mu = settings.UseDynamicShifting ? FlowTimeShift.Mu(settings, imageSeqLen!.Value) : null;
        return new DiffusersSchedule(
            "FlowMatchEulerDiscreteScheduler",
            [.. evaluated.Select(flow.DiscreteTimestep)],
            [.. evaluated.Select(s => FlowTimeShift.Invert(settings, s, mu))],
            null,
            mu);
    }
}
