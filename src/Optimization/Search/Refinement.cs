using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Objective;

namespace HsoService.Optimization.Search;

/// <summary>A lower-level result: descending times, their MEP, spacing penalty and fitness (SPF = MEP + penalty).</summary>
public sealed record Refinement(double[] Times, double Mep, double Penalty)
{
    public double Fitness => Mep + Penalty;

    /// <summary>Scores descending times with the given p and NFE.</summary>
    public static Refinement Score(double[] times, double[] lambdasAscending, int nfe, LambdaForm form, double p) =>
        new(times, MidpointErrorProxy.Value(lambdasAscending, form, p), SpacingPenalty.Value(times, nfe));
}
