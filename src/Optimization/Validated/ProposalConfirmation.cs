using System.Diagnostics;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Validated;

/// <summary>
/// How a cheap strategy ends: its proposals and every training-free family are measured on the same confirmation
/// draws (fresh samples the strategy never saw), and the lowest mean score wins. A proposal is therefore served only
/// where it beats the best family there; otherwise that family is, and the result says so. With the
/// <see cref="ConfirmationRule.EveryDraw"/> rule a proposal must beat the best family on every draw.
/// </summary>
public static class ProposalConfirmation
{
    /// <summary>The names of the families a proposal must beat: the solver's default first, then the others (no HSO: it is not a family).</summary>
    public static IReadOnlyList<string> FamilyNames(NoiseSchedule noise, SolverKind solver) =>
        [.. ScheduleSelection.Candidates(noise, solver).Where(name => name != NamedSchedules.HsoPaper && name != NamedSchedules.HsoRobust)];

    /// <summary>Those families' schedules for the solver and NFE.</summary>
    public static IReadOnlyList<NamedTimes> Families(NoiseSchedule noise, SolverKind solver, int nfe) =>
        [.. FamilyNames(noise, solver).Select(name => new NamedTimes(name, NamedSchedules.Build(noise, name, solver, nfe).T))];

    /// <summary>Measures the proposals and the families on every draw and returns the winner as a validated schedule.</summary>
    public static Schedule Choose(
        NoiseSchedule noise,
        Proposal proposal,
        IReadOnlyList<IScheduleScorer> draws,
        SolverKind solver,
        int nfe,
        ConfirmationRule rule = ConfirmationRule.Mean,
        Action<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(proposal);
        ArgumentNullException.ThrowIfNull(draws);
        if (draws.Count == 0)
        {
            throw new HsoArgumentException("a strategy needs at least one confirmation draw to compare its proposal with the families", "confirmation_draws");
        }

        var stopwatch = Stopwatch.StartNew();
        var families = Families(noise, solver, nfe);
        // A proposal that is a family's times exactly is that family.
        var proposals = proposal.Schedules.Where(p => !families.Any(f => f.T.SequenceEqual(p.T))).ToArray();
        var all = families.Select(f => (f.Name, f.T, Searched: false)).Concat(proposals.Select(p => (p.Name, p.T, Searched: true))).ToArray();
        var spent = draws.Sum(d => d.ModelEvaluations);
        var finalists = new List<FinalistScore>();
        for (var i = 0; i < all.Length; i++)
        {
            var scores = draws.Select(d => d.Score(solver, all[i].T, long.MaxValue, cancellationToken)!.Value).ToArray();
            // No search draw scored the families: a finalist's score is its mean over the confirmation draws.
            finalists.Add(new FinalistScore(all[i].Name, all[i].T, scores.Average(), scores));
            progress?.Invoke((i + 1.0) / all.Length);
        }

        var family = finalists.Take(families.Count).MinBy(f => f.ConfirmationMean!.Value)!;
        var eligible = finalists.Skip(families.Count)
            .Where(p => rule == ConfirmationRule.Mean || p.ConfirmationScores.Zip(family.ConfirmationScores).All(s => s.First < s.Second))
            .Prepend(family);
        var winner = eligible.MinBy(f => f.ConfirmationMean!.Value)!;
        var perSchedule = draws.Sum(d => d.Cost(nfe));
        var cost = new StrategyCost(
            proposal.Strategy.Name(),
            proposal.TeacherEvaluations,
            proposal.TeacherReused,
            proposal.SearchEvaluations,
            all.Length * perSchedule);
        var warnings = new List<string>();
        if (winner == family)
        {
            warnings.Add(proposals.Length == 0
                ? $"the {proposal.Strategy.Name()} strategy proposed a family's own schedule, so the best family on the confirmation draws ({family.Origin}) is served"
                : $"the {proposal.Strategy.Name()} strategy's proposal did not beat the best family on the confirmation draws ({rule.Name()} rule), so {family.Origin} is served");
        }

        var candidates = finalists.Select(f => new CandidateScore(f.Origin, f.T, MidpointErrorProxyOf(noise, f.T), f.ConfirmationMean)).ToArray();
        var report = new ValidationReport
        {
            Metric = draws[0].Metric,
            MetricDescription = draws[0].Description,
            Samples = proposal.SamplesUsed > 0 ? proposal.SamplesUsed : draws[0].Samples,
            Seed = proposal.SamplesUsed > 0 ? proposal.Seed : draws[0].Seed,
            Score = winner.ConfirmationMean!.Value,
            ConfirmationSeeds = [.. draws.Select(d => d.Seed)],
            ConfirmationScore = winner.ConfirmationMean,
            ConfirmationRule = rule.Name(),
            Finalists = finalists,
            BestCandidate = family.Origin,
            BestCandidateScore = family.ConfirmationMean!.Value,
            ChosenBy = winner.Origin,
            Candidates = candidates,
            SchedulesMeasured = proposal.Measured + finalists.Count,
            SpearmanMepScore = candidates.Length < 3 ? null : Finite(Statistics.SpearmanCorrelation.Compute([.. candidates.Select(c => c.Mep)], [.. candidates.Select(c => c.Score!.Value)])),
            Cost = new ValidationCost(
                draws.Sum(d => d.ModelEvaluations) - spent + (proposal.TeacherReused ? 0 : proposal.TeacherEvaluations) + proposal.SearchEvaluations,
                cost.Total,
                proposal.Seconds + stopwatch.Elapsed.TotalSeconds,
                draws[0].Provider),
            Strategy = proposal.Strategy.Name(),
            StrategyCost = cost,
        };
        var schedule = ScheduleBuilder.Build(
            noise,
            solver,
            nfe,
            winner.T,
            ScheduleMode.Validated,
            new ScheduleParameters(null, winner.T[^1], winner.T[0]),
            winner.Origin,
            warnings: warnings);
        return schedule with { Validation = report, Evaluations = report.SchedulesMeasured, ElapsedMs = (proposal.Seconds + stopwatch.Elapsed.TotalSeconds) * 1000 };
    }

    private static double MidpointErrorProxyOf(NoiseSchedule noise, IReadOnlyList<double> times) =>
        Objective.MidpointErrorProxy.Value([.. times.Select(noise.FiniteLambda)], noise.Form);

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
