using System.Globalization;
using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Optimization.Families;

/// <summary>The [eps, T_max] a continuous family spans: the options' values, else the schedule's whole range [1/N, 1] (1 - 1/N in lambda on a flow).</summary>
internal static class FamilyRange
{
    /// <param name="finiteLambda">The family spaces in lambda or sigma / alpha, so T_max must have a finite lambda (a flow's t = 1 has none: its default T_max is 1 - 1/N).</param>
    public static (double TMax, double Eps) Resolve(NoiseSchedule noise, FamilyOptions options, bool finiteLambda = false)
    {
        var largest = finiteLambda ? noise.LargestFiniteTime : 1.0;
        var tMax = options.TMax ?? largest;
        var eps = options.Eps ?? noise.TMin;
        if (!double.IsFinite(tMax) || tMax > largest || tMax < noise.TMin)
        {
            throw new HsoArgumentException(string.Create(CultureInfo.InvariantCulture, $"t_max must be in [{noise.TMin}, {largest}], got {tMax}"), "t_max");
        }

        if (!double.IsFinite(eps) || eps < noise.TMin || eps >= tMax)
        {
            throw new HsoArgumentException(string.Create(CultureInfo.InvariantCulture, $"eps must be in [{noise.TMin}, t_max = {tMax}), got {eps}"), "eps");
        }

        return (tMax, eps);
    }
}
