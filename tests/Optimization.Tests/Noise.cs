using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Optimization.Tests;

/// <summary>Shared noise schedules for the tests, built once.</summary>
internal static class Noise
{
    public static readonly VariancePreservingSchedule Sd = (VariancePreservingSchedule)NoiseSchedule.FromConfig(NoiseSchedulePresets.StableDiffusion);
    public static readonly VariancePreservingSchedule Ddpm = (VariancePreservingSchedule)NoiseSchedule.FromConfig(NoiseSchedulePresets.Ddpm);
    public static readonly VariancePreservingSchedule Cosine = (VariancePreservingSchedule)NoiseSchedule.FromConfig(NoiseSchedulePresets.Cosine);

    /// <summary>SD3's scheduler: a rectified flow with shift 3.</summary>
    public static readonly NoiseSchedule Flow = NoiseSchedule.FromJson("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000, "shift": 3.0}""");

    public static VariancePreservingSchedule Preset(string name) => (VariancePreservingSchedule)(name switch
    {
        "sd" => Sd,
        "ddpm" => Ddpm,
        "cosine" => Cosine,
        _ => throw new ArgumentException(name),
    });
}
