using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Optimization.Search;

/// <summary>
/// The EDM (Karras et al.) rho-schedule HSO starts each lower-level refinement from (HSO-SPEC section 2): N + 1 EDM
/// sigmas s_j = (a^(1/rho) (1 - j/N) + b^(1/rho) j/N)^rho between the sigmas at eps and at T_max, mapped back to t.
/// </summary>
public static class EdmInitialisation
{
    /// <summary>Descending times t_0 = T_max &gt; ... &gt; t_N = eps, written into <paramref name="times"/> (length N + 1).</summary>
    public static void Fill(NoiseSchedule noise, double rho, double eps, double tMax, Span<double> times)
    {
        var intervals = times.Length - 1;
        var sigmaMax = Math.Pow(noise.EdmSigma(tMax), 1 / rho);
        var sigmaMin = Math.Pow(noise.EdmSigma(eps), 1 / rho);
        for (var j = 0; j <= intervals; j++)
        {
            var fraction = (double)j / intervals;
            times[j] = noise.TFromEdmSigma(Math.Pow(sigmaMax * (1 - fraction) + sigmaMin * fraction, rho));
        }

        // The round trip through sigma moves the ends by rounding; the ends are fixed by definition.
        times[0] = tMax;
        times[intervals] = eps;
    }
}
