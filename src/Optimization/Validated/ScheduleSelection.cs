using System.Diagnostics;
using HsoService.Optimization.Families;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Statistics;

namespace HsoService.Optimization.Validated;

/// <summary>
/// The cheap measured choice behind <c>auto</c>: every candidate (the families, HSO in both modes, cached schedules
/// of the key) is measured once on the same calibration draw, so every one sees the same noise, and the lowest score
/// is served. No search: the whole cost is one measurement per candidate, a few percent of a validated search. The
/// solver's default family is measured first and always, so what is served never scores worse than it on the draw.
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

    /// <summary>Share of a default validated search's model evaluations a selection may spend.</summary>
    public const double BudgetShare = 0.05;

    /// <summary>
    /// Measures the candidates and <paramref name="extra"/> with <paramref name="scorer"/> within
    /// <paramref name="budget"/> model evaluations (scores the scorer already knows cost nothing) and returns the best,
    /// as a <see cref="ScheduleMode.Selected"/> schedule whose <see cref="Schedule.Validation"/> lists every score.
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
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(scorer);
        Solvers.ValidateNfe(nfe, noise.TrainSteps);
        if (budget < scorer.Cost(nfe))
        {
            throw new HsoArgumentException(
                $"budget must allow at least one measurement ({scorer.Cost(nfe)} model evaluations = {scorer.Samples} samples x NFE {nfe}), got {budget}", "budget");
        }

        var stopwatch = Stopwatch.StartNew();
        var start = scorer.ModelEvaluations;
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

            var score = scorer.Score(solver, schedule.T, budget - (scorer.ModelEvaluations - start), cancellationToken);
            scores.Add(new CandidateScore(name, schedule.T, schedule.Mep, score, score is null ? "not measured: the budget was spent" : null));
            progress?.Invoke((i + 1.0) / named.Count);
        }

        var measured = scores.Where(c => c.Score is not null).ToArray();
        if (measured.Length == 0)
        {
            throw new InvalidOperationException("no candidate schedule could be measured within the budget");
        }

        var best = measured.MinBy(c => c.Score!.Value)!;
        var chosen = named.First(n => n.Name == best.Name).Schedule!;
        var warnings = scores.Where(c => c.Note is not null).Select(c => $"{c.Name} {c.Note}").ToList();
        var report = new ValidationReport
        {
            Metric = scorer.Metric,
            MetricDescription = scorer.Description,
            Samples = scorer.Samples,
            Seed = scorer.Seed,
            Score = best.Score!.Value,
            BestCandidate = best.Name,
            BestCandidateScore = best.Score!.Value,
            ChosenBy = "selection",
            Candidates = scores,
            SchedulesMeasured = measured.Length,
            SpearmanMepScore = measured.Length < 3 ? null : Finite(SpearmanCorrelation.Compute([.. measured.Select(c => c.Mep)], [.. measured.Select(c => c.Score!.Value)])),
            Cost = new ValidationCost(scorer.ModelEvaluations - start, budget, stopwatch.Elapsed.TotalSeconds, scorer.Provider),
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

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    /// <summary>The default family's schedule, served when nothing was measured; <paramref name="why"/> becomes its warning.</summary>
    public static Schedule Fallback(NoiseSchedule noise, SolverKind solver, int nfe, string why, FamilyOptions? options = null)
    {
        var family = ScheduleFamilies.Build(noise, DefaultFamily(noise, solver), solver, nfe, options);
        return family with { Warnings = [.. family.Warnings, why] };
    }
}
