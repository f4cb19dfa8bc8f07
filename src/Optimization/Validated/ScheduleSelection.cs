using System.Diagnostics;
using HsoService.Optimization.Families;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Statistics;

namespace HsoService.Optimization.Validated;

/// <summary>
/// The cheap measured choice behind <c>auto</c>: every candidate (the families, HSO in both modes, cached schedules
/// of the key) is measured once on the same calibration draw, so every one sees the same noise. Without confirmation
/// draws the lowest score is served. With them, the candidates within <see cref="FinalistMargin"/> of the best (at
/// most <see cref="MaxFinalists"/>) are measured again on each draw and the lowest mean there is served: one draw of
/// K = 256 cannot rank near candidates (on digits16-flow at NFE 8 and 10 its FD is about 7 for every candidate, where
/// 1797 samples separate them by 1.4x), and a fresh draw's mean is not biased toward the first draw's luck. No search:
/// the cost is one measurement per candidate and one per finalist and draw, an eighth of a validated search.
/// </summary>
public static class ScheduleSelection
{
    /// <summary>
    /// The family served for a solver when nothing was measured: the best plain family on digits16-ddpm's held-out
    /// seeds (docs/evaluation/auto): ays for DDIM at every NFE from 3 to 10, uniform_lambda for the multistep solvers
    /// (edm:7 is as good from NFE 6 on, within 5% either way). A flow model is served its own <c>default</c> (what its
    /// diffusers pipeline samples): the ays lists are for DDPM models, and nothing was measured to prefer another.
    /// </summary>
    public static string DefaultFamily(NoiseSchedule noise, SolverKind solver) =>
        noise.IsFlow ? "default" : solver == SolverKind.Ddim ? "ays" : "uniform_lambda";

    /// <summary>
    /// Candidates measured, in order: the default family first, then the other families, then HSO. On a flow: the
    /// model's default, uniform_t, uniform_lambda, edm:7 and SD3's shift-3 rule (flow_shift:3) instead of ays.
    /// </summary>
    public static IReadOnlyList<string> Candidates(NoiseSchedule noise, SolverKind solver)
    {
        string[] families = noise.IsFlow ? ["uniform_t:trailing", "uniform_lambda", "edm:7", "flow_shift:3"] : ["uniform_t:trailing", "uniform_lambda", "edm:7", "ays"];
        var first = DefaultFamily(noise, solver);
        return [first, .. families.Where(f => f != first), NamedSchedules.HsoRobust, NamedSchedules.HsoPaper];
    }

    /// <summary>
    /// Share of a default validated search's model evaluations a selection may spend: 19.5 measurements of the CPU
    /// default's 150, enough for seven candidates and four finalists on three confirmation draws.
    /// </summary>
    public const double BudgetShare = 0.13;

    /// <summary>
    /// A candidate is a finalist when its first-draw score is at most this multiple of the best: on digits16-flow the
    /// ratio of two candidates' FD at K = 256 moved by about 10% from one calibration draw to the next.
    /// </summary>
    public const double FinalistMargin = 1.25;

    /// <summary>Finalists at most, the lowest first-draw scores.</summary>
    public const int MaxFinalists = 4;

    /// <summary>
    /// Measures the candidates and <paramref name="extra"/> with <paramref name="scorer"/>, then the finalists on each
    /// <paramref name="confirmation"/> draw, within <paramref name="budget"/> model evaluations in all (scores a scorer
    /// already knows cost nothing), and returns the best as a <see cref="ScheduleMode.Selected"/> schedule whose
    /// <see cref="Schedule.Validation"/> lists every score.
    /// </summary>
    public static Schedule Select(
        NoiseSchedule noise,
        IScheduleScorer scorer,
        SolverKind solver,
        int nfe,
        long budget,
        IReadOnlyList<NamedTimes>? extra = null,
        int hsoSeed = Search.HsoOptions.DefaultSeed,
        Action<double>? progress = null,
        IReadOnlyList<IScheduleScorer>? confirmation = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(scorer);
        confirmation ??= [];
        Solvers.ValidateNfe(nfe, noise.TrainSteps);
        if (budget < scorer.Cost(nfe))
        {
            throw new HsoArgumentException(
                $"budget must allow at least one measurement ({scorer.Cost(nfe)} model evaluations = {scorer.Samples} samples x NFE {nfe}), got {budget}", "budget");
        }

        var stopwatch = Stopwatch.StartNew();
        var start = scorer.ModelEvaluations;
        var confirmationStart = confirmation.Select(c => c.ModelEvaluations).ToArray();
        long Spent() => scorer.ModelEvaluations - start + confirmation.Select((c, i) => c.ModelEvaluations - confirmationStart[i]).Sum();
        var named = new List<(string Name, Schedule? Schedule, string? Note)>();
        foreach (var name in Candidates(noise, solver))
        {
            try
            {
                named.Add((name, NamedSchedules.Build(noise, name, solver, nfe, hsoSeed), null));
            }
            catch (HsoArgumentException e)
            {
                named.Add((name, null, $"not measured: {e.Message}"));
            }
        }

        // A cached schedule with a candidate's times (the default HSO schedules) would only be listed twice.
        foreach (var cached in (extra ?? []).Where(e => !named.Any(n => n.Schedule is { } s && s.T.SequenceEqual(e.T))))
        {
            named.Add((cached.Name, ScheduleBuilder.Build(noise, solver, nfe, cached.T, ScheduleMode.Explicit), null));
        }

        // Progress counts measurements, the finalists' at most (fewer finalists finish early).
        var planned = named.Count + (confirmation.Count > 0 ? MaxFinalists * confirmation.Count : 0);
        var scores = new List<CandidateScore>();
        for (var i = 0; i < named.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (name, schedule, note) = named[i];
            if (schedule is null)
            {
                scores.Add(new CandidateScore(name, [], double.NaN, null, note));
                continue;
            }

            var measuredBefore = i;
            var score = scorer.Score(solver, schedule.T, budget - Spent(), cancellationToken, share => progress?.Invoke((measuredBefore + share) / planned));
            scores.Add(new CandidateScore(name, schedule.T, schedule.Mep, score, score is null ? "not measured: the budget was spent" : null));
            progress?.Invoke((i + 1.0) / planned);
        }

        var measured = scores.Where(c => c.Score is not null).ToArray();
        if (measured.Length == 0)
        {
            throw new InvalidOperationException("no candidate schedule could be measured within the budget");
        }

        var firstDraw = measured.MinBy(c => c.Score!.Value)!;
        var warnings = scores.Where(c => c.Note is not null).Select(c => $"{c.Name} {c.Note}").ToList();
        var (best, finalists, confirmationScore) = Confirm(measured, firstDraw, confirmation, solver, budget, Spent, warnings, done => progress?.Invoke((named.Count + done) / (double)planned), cancellationToken);
        var chosen = named.First(n => n.Name == best.Name).Schedule!;
        var report = new ValidationReport
        {
            Metric = scorer.Metric,
            MetricDescription = scorer.Description,
            Samples = scorer.Samples,
            Seed = scorer.Seed,
            Score = best.Score!.Value,
            ConfirmationSeeds = finalists.Count > 0 ? [.. confirmation.Select(c => c.Seed)] : [],
            ConfirmationScore = confirmationScore,
            ConfirmationRule = confirmationScore is null ? null : ConfirmationRule.Mean.Name(),
            Finalists = finalists,
            BestCandidate = firstDraw.Name,
            BestCandidateScore = firstDraw.Score!.Value,
            ChosenBy = "selection",
            Candidates = scores,
            SchedulesMeasured = measured.Length,
            SpearmanMepScore = measured.Length < 3 ? null : Finite(SpearmanCorrelation.Compute([.. measured.Select(c => c.Mep)], [.. measured.Select(c => c.Score!.Value)])),
            Cost = new ValidationCost(Spent(), budget, stopwatch.Elapsed.TotalSeconds, scorer.Provider),
            Strategy = "selection",
        };
        return chosen with
        {
            Mode = ScheduleMode.Selected,
            Family = best.Name,
            Validation = report,
            ElapsedMs = stopwatch.Elapsed.TotalMilliseconds,
            Warnings = [.. chosen.Warnings, .. warnings],
        };
    }

    /// <summary>
    /// The finalists' scores on every confirmation draw and the lowest mean among those measured on all of them; the
    /// first draw's best when there are no draws, one finalist, or no room in the budget.
    /// </summary>
    private static (CandidateScore Best, List<FinalistScore> Finalists, double? Mean) Confirm(
        CandidateScore[] measured,
        CandidateScore firstDraw,
        IReadOnlyList<IScheduleScorer> confirmation,
        SolverKind solver,
        long budget,
        Func<long> spent,
        List<string> warnings,
        Action<double> measuredAgain,
        CancellationToken cancellationToken)
    {
        var near = measured.Where(c => c.Score!.Value <= FinalistMargin * firstDraw.Score!.Value).OrderBy(c => c.Score!.Value).Take(MaxFinalists).ToArray();
        if (confirmation.Count == 0 || near.Length < 2)
        {
            return (firstDraw, [], null);
        }

        var finalists = new List<FinalistScore>();
        foreach (var candidate in near)
        {
            // Draws measured by the finalists before this one, plus this one's so far.
            var before = finalists.Sum(f => f.ConfirmationScores.Count);
            finalists.Add(ConfirmationDraws.Measure(candidate.Name, candidate.T, candidate.Score!.Value, confirmation, solver, () => budget - spent(), done => measuredAgain(before + done), cancellationToken));
        }

        var confirmed = finalists.Where(f => f.ConfirmationScores.Count == confirmation.Count).ToArray();
        if (confirmed.Length < 2)
        {
            warnings.Add("the finalists could not all be measured on every confirmation draw within the budget, so the first draw's best is served");
            return (firstDraw, finalists, null);
        }

        var winner = confirmed.MinBy(f => f.ConfirmationMean!.Value)!;
        return (measured.First(c => c.Name == winner.Origin), finalists, winner.ConfirmationMean);
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    /// <summary>The default family's schedule, served when nothing was measured; <paramref name="why"/> becomes its warning.</summary>
    public static Schedule Fallback(NoiseSchedule noise, SolverKind solver, int nfe, string why, FamilyOptions? options = null)
    {
        var family = ScheduleFamilies.Build(noise, DefaultFamily(noise, solver), solver, nfe, options);
        return family with { Warnings = [.. family.Warnings, why] };
    }
}
