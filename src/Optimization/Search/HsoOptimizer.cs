using System.Diagnostics;
using System.Globalization;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Objective;
using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Search;

/// <summary>
/// Hierarchical Schedule Optimization (Zhu et al., AAAI 2026): differential evolution over the initialisation
/// strategy psi = (rho, eps, T_max) (upper level), each psi scored by refining its EDM(rho) schedule against the
/// Midpoint Error Proxy (lower level) and adding the spacing penalty (SPF). <see cref="ScheduleMode.Paper"/> refines
/// without constraints as the paper does; <see cref="ScheduleMode.Robust"/> also refines under the spacing rule and keeps
/// whichever lower-level result has the lower SPF, so its fitness at any psi is never above the paper's.
/// </summary>
public static class HsoOptimizer
{
    /// <summary>Runs the bi-level search and returns the schedule at the best psi.</summary>
    /// <param name="onGeneration">Progress: called after each generation with (generation, max generations).</param>
    public static Schedule Optimize(
        NoiseSchedule noise,
        HsoOptions options,
        Action<int, int>? onGeneration = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(noise);
        if (options.TMax.Upper > noise.LargestFiniteTime)
        {
            // A flow's t = 1 is pure noise with lambda = -infinity, where the MEP diverges: search up to 1 - 1/N.
            options = options with { TMax = options.TMax with { Upper = Math.Max(options.TMax.Lower, noise.LargestFiniteTime) } };
        }

        var stopwatch = Stopwatch.StartNew();
        var count = options.Solver.PointCount(options.Nfe);
        var bounds = new[] { options.Rho, options.Eps, options.TMax };
        var evaluations = 0;

        var free = new UnconstrainedRefinement(noise, count, options.Nfe, options.P);
        var spaced = new SpacedRefinement(noise, count, options.Nfe, options.P);
        double Fitness(double[] psi)
        {
            evaluations++;
            return LowerLevel(noise, options, free, spaced, psi).Fitness;
        }

        var evolution = new DifferentialEvolution(options.PopulationSize, options.MaxIterations, options.Tolerance);
        var result = evolution.Minimize(Fitness, bounds, options.Seed, onGeneration, cancellationToken);
        var best = result.Best;
        if (options.Polish)
        {
            best = CompassPolish(Fitness, bounds, best, result.Fitness);
        }

        var refinement = LowerLevel(noise, options, free, spaced, best);
        var warnings = new List<string>();
        var intervals = count - 1;
        var minimumGap = SpacingPenalty.MinimumGap(options.Nfe);
        if (refinement.Penalty > 0)
        {
            warnings.Add(options.Mode == ScheduleMode.Robust || !SpacingPenalty.IsFeasible(intervals, options.Nfe, options.Eps.Lower, options.TMax.Upper)
                ? Invariant($"infeasible spacing: {intervals} intervals of at least d_min = {minimumGap} need T_max - eps >= {intervals * minimumGap:G6}, but the bounds allow at most {options.TMax.Upper - options.Eps.Lower:G6}; the spacing penalty is {refinement.Penalty:G6}")
                : Invariant($"spacing penalty {refinement.Penalty:G6}: some gaps are below d_min = {minimumGap} because the paper's lower level ignores the spacing rule; mode robust keeps every gap >= d_min"));
        }

        var schedule = ScheduleBuilder.Build(
            noise,
            options.Solver,
            options.Nfe,
            refinement.Times,
            options.Mode,
            new ScheduleParameters(best[0], best[1], best[2]),
            p: options.P,
            warnings: warnings);
        return schedule with { Seed = options.Seed, Evaluations = evaluations, ElapsedMs = stopwatch.Elapsed.TotalMilliseconds };
    }

    /// <summary>The lower level at one psi = (rho, eps, T_max): EDM start, refined per the mode.</summary>
    private static Refinement LowerLevel(
        NoiseSchedule noise, HsoOptions options, UnconstrainedRefinement unconstrained, SpacedRefinement constrained, IReadOnlyList<double> psi)
    {
        var start = new double[unconstrained.PointCount];
        EdmInitialisation.Fill(noise, psi[0], psi[1], psi[2], start);
        var free = unconstrained.Refine(start);
        // A free minimum that already keeps the spacing rule is also the constrained minimum: nothing to add.
        if (options.Mode != ScheduleMode.Robust || free.Penalty == 0)
        {
            return free;
        }

        var spaced = constrained.Refine(start);
        return spaced is not null && spaced.Fitness <= free.Fitness ? spaced : free;
    }

    /// <summary>
    /// Local polish of the best psi: a bounded compass search (step 5% of each range, halved to 0.1%). The reference
    /// polishes with L-BFGS-B on finite differences; psi's fitness passes through an inner optimisation and is only
    /// piecewise smooth, so a derivative-free polish is the steadier choice. It only ever keeps an improvement.
    /// </summary>
    private static double[] CompassPolish(Func<double[], double> fitness, Bounds[] bounds, double[] start, double startFitness)
    {
        var best = (double[])start.Clone();
        var bestFitness = startFitness;
        var step = 0.05;
        while (step >= 1e-3)
        {
            var improved = false;
            for (var d = 0; d < best.Length; d++)
            {
                if (bounds[d].Width <= 0)
                {
                    continue;
                }

                foreach (var direction in (ReadOnlySpan<double>)[1.0, -1.0])
                {
                    var candidate = (double[])best.Clone();
                    candidate[d] = Math.Clamp(best[d] + direction * step * bounds[d].Width, bounds[d].Lower, bounds[d].Upper);
                    if (candidate[d] == best[d])
                    {
                        continue;
                    }

                    var value = fitness(candidate);
                    if (value < bestFitness)
                    {
                        (best, bestFitness, improved) = (candidate, value, true);
                        break;
                    }
                }
            }

            if (!improved)
            {
                step /= 2;
            }
        }

        return best;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
