using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Optimization.Tests;

/// <summary>Shared noise schedules for the tests, built once.</summary>
internal static class Noise
{
    public static readonly NoiseSchedule Sd = NoiseSchedule.FromConfig(NoiseSchedulePresets.StableDiffusion);
    public static readonly NoiseSchedule Ddpm = NoiseSchedule.FromConfig(NoiseSchedulePresets.Ddpm);
    public static readonly NoiseSchedule Cosine = NoiseSchedule.FromConfig(NoiseSchedulePresets.Cosine);

    public static NoiseSchedule Preset(string name) => name switch
    {
        "sd" => Sd,
        "ddpm" => Ddpm,
        "cosine" => Cosine,
        _ => throw new ArgumentException(name),
    };
}
