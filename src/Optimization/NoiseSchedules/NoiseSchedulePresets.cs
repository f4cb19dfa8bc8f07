namespace HsoService.Optimization.NoiseSchedules;

/// <summary>Named noise schedules that need no config file: <c>sd</c>, <c>ddpm</c> and <c>cosine</c>.</summary>
public static class NoiseSchedulePresets
{
    /// <summary>Preset names accepted by <see cref="Get"/>.</summary>
    public static readonly IReadOnlyList<string> Names = ["sd", "ddpm", "cosine"];

    /// <summary>Stable Diffusion 1.x/2.x: scaled_linear 0.00085..0.012 over 1000 steps.</summary>
    public static SchedulerConfig StableDiffusion { get; } = new()
    {
        BetaSchedule = BetaScheduleKind.ScaledLinear,
        BetaStart = 0.00085,
        BetaEnd = 0.012,
        TimestepSpacing = "leading",
        StepsOffset = 1,
    };

    /// <summary>Ho et al. DDPM: linear 1e-4..0.02 over 1000 steps.</summary>
    public static SchedulerConfig Ddpm { get; } = new() { BetaSchedule = BetaScheduleKind.Linear, BetaStart = 0.0001, BetaEnd = 0.02 };

    /// <summary>Nichol and Dhariwal's cosine schedule (squaredcos_cap_v2) over 1000 steps.</summary>
    public static SchedulerConfig Cosine { get; } = new() { BetaSchedule = BetaScheduleKind.SquaredCosCapV2 };

    /// <summary>True when <paramref name="name"/> is a preset name.</summary>
    public static bool IsPreset(string name) => Names.Contains(name);

    /// <summary>The config of a preset; throws naming the allowed presets for anything else.</summary>
    public static SchedulerConfig Get(string name) => name switch
    {
        "sd" => StableDiffusion,
        "ddpm" => Ddpm,
        "cosine" => Cosine,
        _ => throw new HsoArgumentException($"unknown noise schedule preset '{name}'; allowed: {string.Join(", ", Names)}", "scheduler_config"),
    };
}
