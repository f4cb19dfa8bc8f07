using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Families;

/// <summary>
/// Uniform steps in the trained discrete timesteps, exactly as diffusers' <c>timestep_spacing</c> chooses the NFE
/// evaluated timesteps for each solver. <c>trailing</c> is round(N - j N / NFE) - 1 for all three. DDIMScheduler:
/// <c>leading</c> j (N div NFE) + steps_offset reversed, <c>linspace</c> round(linspace(0, N - 1, NFE)) reversed.
/// DPMSolverMultistepScheduler and UniPCMultistepScheduler space NFE + 1 points and drop the last (so that no step
/// has zero length): <c>leading</c> j (N div (NFE + 1)) + steps_offset and <c>linspace</c>
/// round(linspace(0, N - 1, NFE + 1)), reversed without their 0. Step k sits at t = (k + 1)/N; for UniPC and
/// DPM-Solver++ the final point is t = 1/N.
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
        // DDIM spaces its NFE evaluated points; the multistep solvers space NFE + 1 and drop the smallest.
        var spaced = solver == SolverKind.Ddim ? nfe : nfe + 1;
        for (var j = 0; j < nfe; j++)
        {
            var from = spaced - 1 - j;
            steps[j] = spacing switch
            {
                "trailing" => Math.Round(n - (double)j * n / nfe, MidpointRounding.ToEven) - 1,
                "leading" => from * (n / spaced) + (options.StepsOffset ?? noise.Config.StepsOffset),
                "linspace" => Math.Round((double)from * (n - 1) / (spaced - 1), MidpointRounding.ToEven),
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
