using HsoService.Optimization;
using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Cli;

/// <summary>
/// Resolves <c>--scheduler-config</c>: a preset name (sd, ddpm, cosine), a <c>scheduler_config.json</c> file, or a
/// diffusers model folder (its <c>scheduler/scheduler_config.json</c>).
/// </summary>
internal static class SchedulerConfigSource
{
    public static NoiseSchedule Load(string value)
    {
        if (NoiseSchedulePresets.IsPreset(value))
        {
            return NoiseSchedule.FromConfig(NoiseSchedulePresets.Get(value));
        }

        var path = value;
        if (Directory.Exists(path))
        {
            var candidates = new[] { Path.Combine(path, "scheduler", "scheduler_config.json"), Path.Combine(path, "scheduler_config.json") };
            path = candidates.FirstOrDefault(File.Exists)
                ?? throw new HsoArgumentException($"--scheduler-config: folder '{value}' has neither scheduler/scheduler_config.json nor scheduler_config.json", "scheduler-config");
        }

        if (!File.Exists(path))
        {
            throw new HsoArgumentException(
                $"--scheduler-config: '{value}' is neither a preset ({string.Join(", ", NoiseSchedulePresets.Names)}) nor an existing file or folder", "scheduler-config");
        }

        return NoiseSchedule.FromJson(File.ReadAllText(path));
    }
}
