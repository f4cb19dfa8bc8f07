using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Families;

/// <summary>
/// Uniform steps in the trained discrete timesteps, exactly as diffusers' <c>timestep_spacing</c> chooses the NFE
/// evaluated timesteps: <c>trailing</c> round(N - j N / NFE) - 1, <c>leading</c> j (N div NFE) + steps_offset
/// reversed, <c>linspace</c> round(linspace(0, N - 1, NFE)) reversed. Step k sits at t = (k + 1)/N; for UniPC and
/// DPM-Solver++ the final point is t = 1/N, where diffusers' last step ends.
/// </summary>
public sealed class UniformTimeFamily : IScheduleFamily
{
    public string Name => "uniform_t";

    public string? DefaultVariant => "trailing";

    public double[] Times(NoiseSchedule noise, SolverKind solver, int nfe, FamilyOptions options, List<string> warnings)
    {
        var n = noise.TrainSteps;
        var spacing = options.Variant ?? DefaultVariant!;
        var steps = new double[nfe];
        for (var j = 0; j < nfe; j++)
        {
            steps[j] = spacing switch
            {
                "trailing" => Math.Round(n - (double)j * n / nfe, MidpointRounding.ToEven) - 1,
                "leading" => (nfe - 1 - j) * (n / nfe) + (options.StepsOffset ?? noise.Config.StepsOffset),
                "linspace" => Math.Round((double)(nfe - 1 - j) * (n - 1) / (nfe - 1), MidpointRounding.ToEven),
                _ => throw new HsoArgumentException(
                    $"uniform_t spacing '{spacing}' is not one of {string.Join(", ", SchedulerConfig.TimestepSpacings)}", "family"),
            };
        }

        var count = solver.PointCount(nfe);
        var times = new double[count];
        for (var j = 0; j < nfe; j++)
        {
            times[j] = Math.Clamp((steps[j] + 1) / n, noise.TMin, 1);
        }

        if (count > nfe)
        {
            times[^1] = noise.TMin;
        }

        return times;
    }
}
