using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Optimization.Schedules;

/// <summary>
/// Moves a schedule onto the trained grid t = (k + 1)/N for networks that only accept integer timesteps, as
/// diffusers' schedulers do, and drops points that land on the same step (a zero-length step).
/// </summary>
public static class ScheduleSnapping
{
    public static double[] Snap(NoiseSchedule noise, IReadOnlyList<double> times, out int dropped)
    {
        var snapped = new List<double>(times.Count);
        foreach (var t in times)
        {
            var onGrid = (noise.DiscreteTimestep(t) + 1.0) / noise.TrainSteps;
            if (snapped.Count == 0 || onGrid < snapped[^1])
            {
                snapped.Add(onGrid);
            }
        }

        dropped = times.Count - snapped.Count;
        return [.. snapped];
    }
}
