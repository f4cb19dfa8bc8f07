using System.Globalization;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;

namespace HsoService.Optimization.Families;

/// <summary>The EDM (Karras et al.) rho-schedule in sigma / alpha between T_max and eps; the variant is rho (default 7).</summary>
public sealed class EdmFamily : IScheduleFamily
{
    public string Name => "edm";

    public string? DefaultVariant => "7";

    public double[] Times(NoiseSchedule noise, SolverKind solver, int nfe, FamilyOptions options, List<string> warnings)
    {
        var text = options.Variant ?? DefaultVariant!;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var rho) || !double.IsFinite(rho) || rho <= 0)
        {
            throw new HsoArgumentException($"edm rho '{text}' must be a positive number (for example edm:7)", "family");
        }

        var (tMax, eps) = FamilyRange.Resolve(noise, options, finiteLambda: true);
        var times = new double[solver.PointCount(nfe)];
        EdmInitialisation.Fill(noise, rho, eps, tMax, times);
        return times;
    }
}
