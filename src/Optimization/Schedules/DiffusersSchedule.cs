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
public sealed record DiffusersSchedule(string? Scheduler, IReadOnlyList<int> Timesteps, IReadOnlyList<double> Sigmas, string? FinalSigmasType)
{
    public static DiffusersSchedule For(Schedule schedule, NoiseSchedule noise, bool discreteTime)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(noise);
        var used = discreteTime ? ScheduleSnapping.Snap(noise, schedule.T, out _) : [.. schedule.T];
        var path = IntegrationPath.Times(schedule.Solver, noise, used, schedule.FinalStep);

        // The denoise finish evaluates the last time too and returns that data prediction: a first-order step to 0.
        var denoise = schedule.FinalStep == FinalStep.Denoise && schedule.Solver != SolverKind.Ddim;
        var evaluated = denoise ? used : path[..^1];
        var end = denoise ? 0.0 : path[^1];
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
}
