using System.Globalization;
using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Optimization.Families;

/// <summary>The [eps, T_max] a continuous family spans: the options' values, else the schedule's whole range [1/N, 1].</summary>
internal static class FamilyRange
{
    public static (double TMax, double Eps) Resolve(NoiseSchedule noise, FamilyOptions options)
    {
        var tMax = options.TMax ?? 1.0;
        var eps = options.Eps ?? noise.TMin;
        if (!double.IsFinite(tMax) || tMax > 1 || tMax < noise.TMin)
        {
            throw new HsoArgumentException(string.Create(CultureInfo.InvariantCulture, $"t_max must be in [{noise.TMin}, 1], got {tMax}"), "t_max");
        }

        if (!double.IsFinite(eps) || eps < noise.TMin || eps >= tMax)
        {
            throw new HsoArgumentException(string.Create(CultureInfo.InvariantCulture, $"eps must be in [{noise.TMin}, t_max = {tMax}), got {eps}"), "eps");
        }

        return (tMax, eps);
    }
}
