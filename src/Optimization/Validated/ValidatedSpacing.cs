using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Optimization.Validated;

/// <summary>
/// The spacing rule of the validated search, which keeps measured schedules from degenerating: every gap in lambda is
/// at least a fraction of the mean gap, and no two points round to the same trained timestep. (HSO's own d_min is a
/// gap in t; at NFE 8 it asks for 0.115, which uniform_lambda and EDM, the schedules measured best for DPM-Solver++
/// and UniPC, break near t = 0. A floor in lambda allows them and still forbids collapsed steps.)
/// </summary>
public static class ValidatedSpacing
{
    /// <summary>True when the descending times keep the rule.</summary>
    public static bool Holds(NoiseSchedule noise, IReadOnlyList<double> times, double minimumGapFraction)
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(times);
        var count = times.Count;
        if (count < 2)
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            if (!double.IsFinite(times[i]) || times[i] < noise.TMin - 1e-12 || times[i] > 1 + 1e-12)
            {
                return false;
            }
        }

        var first = noise.Lambda(times[0]);
        var last = noise.Lambda(times[^1]);
        var floor = minimumGapFraction * (last - first) / (count - 1);
        var previous = first;
        var previousStep = noise.DiscreteTimestep(times[0]);
        for (var i = 1; i < count; i++)
        {
            var lambda = noise.Lambda(times[i]);
            var step = noise.DiscreteTimestep(times[i]);
            if (lambda - previous < floor || lambda <= previous || step == previousStep)
            {
                return false;
            }

            previous = lambda;
            previousStep = step;
        }

        return true;
    }
}
