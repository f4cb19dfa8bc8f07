using HsoService.Optimization.Objective;
using HsoService.Optimization.Search;

namespace HsoService.Optimization.Tests.Search;

public class LowerLevelTests
{
    private static double[] EdmStart(int count, double rho = 7, double eps = 0.03, double tMax = 0.96)
    {
        var times = new double[count];
        EdmInitialisation.Fill(Noise.Sd, rho, eps, tMax, times);
        return times;
    }

    [Fact]
    public void Edm_initialisation_is_linear_in_sigma_to_the_one_over_rho()
    {
        var times = EdmStart(6, rho: 7);
        var roots = times.Select(t => Math.Pow(Noise.Sd.EdmSigma(t), 1 / 7.0)).ToArray();
        for (var i = 1; i + 1 < roots.Length; i++)
        {
            Assert.Equal(roots[i] - roots[i - 1], roots[i + 1] - roots[i], 9);
        }

        Assert.Equal(0.96, times[0]);
        Assert.Equal(0.03, times[^1]);
    }

    [Fact]
    public void Unconstrained_refinement_reaches_a_stationary_point_of_mep()
    {
        var start = EdmStart(6);
        var refinement = new UnconstrainedRefinement(Noise.Sd, 6, 5, 2).Refine(start);
        var lambdas = refinement.Times.Select(Noise.Sd.Lambda).ToArray();
        var gradient = new double[6];
        MidpointErrorProxy.ValueAndGradient(lambdas, gradient, Noise.Sd.Form);

        Assert.True(refinement.Mep < MidpointErrorProxy.Value(start.Select(Noise.Sd.Lambda).ToArray(), Noise.Sd.Form));
        for (var i = 1; i < 5; i++)
        {
            Assert.InRange(Math.Abs(gradient[i]), 0, 1e-6);
        }
    }

    [Fact]
    public void Unconstrained_refinement_does_not_depend_on_the_start()
    {
        var a = new UnconstrainedRefinement(Noise.Sd, 6, 5, 2).Refine(EdmStart(6, rho: 3));
        var b = new UnconstrainedRefinement(Noise.Sd, 6, 5, 2).Refine(EdmStart(6, rho: 16));
        Assert.Equal(a.Mep, b.Mep, 10);
    }

    [Fact]
    public void Spaced_refinement_keeps_every_gap_and_beats_any_feasible_perturbation()
    {
        const int nfe = 8;
        var start = EdmStart(nfe + 1);
        var refinement = new SpacedRefinement(Noise.Sd, nfe + 1, nfe, 2).Refine(start)!;
        var minimumGap = SpacingPenalty.MinimumGap(nfe);

        Assert.Equal(0.0, refinement.Penalty);
        for (var i = 0; i < nfe; i++)
        {
            Assert.True(refinement.Times[i] - refinement.Times[i + 1] >= minimumGap);
        }

        // Local optimality: no feasible nudge of one interior time lowers MEP by more than rounding.
        var random = new Random(3);
        for (var trial = 0; trial < 200; trial++)
        {
            var nudged = (double[])refinement.Times.Clone();
            var k = 1 + random.Next(nfe - 1);
            nudged[k] += (random.NextDouble() - 0.5) * 1e-3;
            if (nudged[k - 1] - nudged[k] < minimumGap || nudged[k] - nudged[k + 1] < minimumGap)
            {
                continue;
            }

            var mep = MidpointErrorProxy.Value(nudged.Select(Noise.Sd.Lambda).ToArray(), Noise.Sd.Form);
            Assert.True(mep >= refinement.Mep - 1e-10, $"nudging t[{k}] lowered MEP from {refinement.Mep} to {mep}");
        }
    }

    [Fact]
    public void Spaced_refinement_returns_null_when_the_gaps_cannot_fit()
    {
        var start = EdmStart(11, eps: 0.03, tMax: 0.96);
        Assert.Null(new SpacedRefinement(Noise.Sd, 11, 10, 2).Refine(start));
    }
}
