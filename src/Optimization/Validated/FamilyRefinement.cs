using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;

namespace HsoService.Optimization.Validated;

/// <summary>
/// The search of the teacher and refine strategies: every family is measured by a scorer, then Nelder-Mead moves the
/// best one's interior points (lambda gaps, both ends fixed, the spacing rule kept) until the measurements are spent.
/// The teacher strategy's scorer is the distance to the teacher's samples from the same noise (after LD3); the refine
/// strategy's is FD on one small calibration draw. Both compare schedules on the same noise, so a few dozen
/// measurements of a few hundred samples separate them.
/// </summary>
public static class FamilyRefinement
{
    /// <summary>Measured schedules, families included.</summary>
    public const int DefaultMeasurements = 40;

    /// <summary>The best-scoring schedule found, named for the family it started from and <paramref name="suffix"/>.</summary>
    public static NamedTimes Refine(
        NoiseSchedule noise,
        IScheduleScorer scorer,
        string suffix,
        SolverKind solver,
        int nfe,
        int measurements = DefaultMeasurements,
        double minimumGapFraction = 0.2,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(scorer);
        var families = ProposalConfirmation.Families(noise, solver, nfe);
        var scored = families.Select(f => (f.Name, f.T, Score: scorer.Score(solver, f.T, long.MaxValue, cancellationToken)!.Value)).ToList();
        var (name, start, startScore) = scored.MinBy(s => s.Score);
        var best = (Times: start.ToArray(), Score: startScore);
        var gaps = new LambdaGaps(noise, start);
        var calls = measurements - families.Count;
        if (gaps.Dimension > 0 && calls > 0)
        {
            NelderMead.Minimize(
                z =>
                {
                    var times = gaps.Times(z);
                    if (!ValidatedSpacing.Holds(noise, times, minimumGapFraction))
                    {
                        return double.PositiveInfinity;
                    }

                    var score = scorer.Score(solver, times, long.MaxValue, cancellationToken)!.Value;
                    if (score < best.Score)
                    {
                        best = (times, score);
                    }

                    return score;
                },
                gaps.Start,
                [.. Enumerable.Repeat(0.3, gaps.Dimension)],
                calls,
                tolerance: 1e-4,
                cancellationToken: cancellationToken);
        }

        return new NamedTimes(ReferenceEquals(best.Times, start) || best.Times.SequenceEqual(start) ? name : $"{name} ({suffix})", best.Times);
    }
}
