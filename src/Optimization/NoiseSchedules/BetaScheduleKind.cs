namespace HsoService.Optimization.NoiseSchedules;

/// <summary>The beta schedules diffusers names in <c>beta_schedule</c>, plus explicit <c>trained_betas</c>.</summary>
public enum BetaScheduleKind
{
    /// <summary><c>linear</c>: betas = linspace(beta_start, beta_end, N).</summary>
    Linear,

    /// <summary><c>scaled_linear</c>: betas = linspace(sqrt(beta_start), sqrt(beta_end), N)^2 (Stable Diffusion).</summary>
    ScaledLinear,

    /// <summary><c>squaredcos_cap_v2</c>: the cosine schedule of Nichol and Dhariwal, each beta capped at 0.999.</summary>
    SquaredCosCapV2,

    /// <summary><c>trained_betas</c>: an explicit list of betas.</summary>
    Trained,
}
