using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;

namespace HsoService.Optimization.Validated;

/// <summary>
/// The teacher strategy's search: every family is measured by a scorer (the distance of the student's samples to the
/// teacher's from the same noise, after LD3), then Nelder-Mead moves the best one's interior points (lambda gaps, both
/// ends fixed, the spacing rule kept) until the measurements are spent. The ends stay where the teacher's are: moving
/// T_max or the last time only takes a sample further from its teacher. Each sample is compared with its own teacher,
/// so a few dozen measurements of a hundred samples separate schedules.
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
        Action<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(scorer);
        var done = 0;
        double Measure(IReadOnlyList<double> times)
        {
            var score = scorer.Score(solver, times, long.MaxValue, cancellationToken)!.Value;
            progress?.Invoke(Math.Min(1.0, ++done / (double)measurements));
            return score;
        }

        var families = ProposalConfirmation.Families(noise, solver, nfe);
        var scored = families.Select(f => (f.Name, f.T, Score: Measure(f.T))).ToList();
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

                    var score = Measure(times);
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
