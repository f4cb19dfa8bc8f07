namespace HsoService.Optimization.Objective;

/// <summary>
/// The spacing rule of HSO's Spacing-Penalized Fitness (HSO-SPEC section 3): every gap between consecutive
/// continuous times should be at least d_min(NFE); each shortfall costs 1e9 * shortfall^2.
/// </summary>
public static class SpacingPenalty
{
    /// <summary>Weight of the squared shortfall.</summary>
    public const double Weight = 1e9;

    /// <summary>d_min(NFE) = clip(0.15 + (0.01 - 0.15) / 16 * (NFE - 4), 0.01, 0.15).</summary>
    public static double MinimumGap(int nfe) => Math.Clamp(0.15 + (0.01 - 0.15) / (20 - 4) * (nfe - 4), 0.01, 0.15);

    /// <summary>
    /// The weighted penalty 1e9 * sum max(0, d_min - |t_{i+1} - t_i|)^2 over the times sorted, endpoints included.
    /// </summary>
    public static double Value(ReadOnlySpan<double> times, int nfe)
    {
        Span<double> sorted = times.Length <= 256 ? stackalloc double[times.Length] : new double[times.Length];
        times.CopyTo(sorted);
        sorted.Sort();
        var minimumGap = MinimumGap(nfe);
        var sum = 0.0;
        for (var i = 0; i + 1 < sorted.Length; i++)
        {
            var shortfall = minimumGap - (sorted[i + 1] - sorted[i]);
            if (shortfall > 0)
            {
                sum += shortfall * shortfall;
            }
        }

        return Weight * sum;
    }

    /// <summary>True when N intervals of at least d_min fit between eps and T_max.</summary>
    public static bool IsFeasible(int intervals, int nfe, double eps, double tMax) => intervals * MinimumGap(nfe) <= tMax - eps;
}
