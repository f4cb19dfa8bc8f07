using HsoService.Optimization.Families;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Optimization.Tests.Validated;

public sealed class ValidatedSearchTests
{
    private static readonly NoiseSchedule Ddpm = Noise.Ddpm;

    // Uniform in lambda from t = 1 to t = 0.02: interior points and the last end differ from every candidate.
    private static double[] Target(int nfe) =>
        [.. ScheduleFamilies.Build(Ddpm, "uniform_lambda", SolverKind.DpmPp2M, nfe, new FamilyOptions { Eps = 0.02 }).T];

    [Fact]
    public void Beats_every_candidate_within_the_budget_and_reports_what_it_measured()
    {
        var scorer = new DistanceScorer(Ddpm, Target(6));
        var options = new ValidatedOptions { Solver = SolverKind.DpmPp2M, Nfe = 6, Budget = 120 * 100 * 6 };
        var schedule = ValidatedSearch.Optimize(Ddpm, scorer, options);

        var report = schedule.Validation!;
        Assert.Equal(ScheduleMode.Validated, schedule.Mode);
        Assert.Equal(7, schedule.T.Count);
        Assert.True(schedule.T.Zip(schedule.T.Skip(1)).All(p => p.First > p.Second), "times descend");
        Assert.Equal(ValidatedOptions.DefaultCandidates, report.Candidates.Select(c => c.Name));
        Assert.All(report.Candidates, c => Assert.NotNull(c.Score));
        var best = report.Candidates.MinBy(c => c.Score!.Value)!;
        Assert.Equal(best.Name, report.BestCandidate);
        Assert.True(report.Score < 0.5 * best.Score!.Value, $"searched {report.Score} against best candidate {best.Score}");
        Assert.Equal(report.Score, scorer.Score(SolverKind.DpmPp2M, schedule.T, long.MaxValue, default)!.Value, 12);

        Assert.True(scorer.ModelEvaluations - 600 <= options.Budget, $"spent {scorer.ModelEvaluations - 600} of {options.Budget}");
        Assert.Equal(report.SchedulesMeasured * 600L, report.Cost.ModelEvaluations);
        Assert.Equal(options.Budget, report.Cost.Budget);
        Assert.Equal("cpu", report.Cost.Provider);
        Assert.Equal(100, report.Samples);
        Assert.InRange(report.SpearmanMepScore!.Value, -1, 1);
        Assert.Equal(report.SchedulesMeasured, schedule.Evaluations);
    }

    [Fact]
    public void Confirmation_draws_reject_a_refinement_that_only_fits_the_search_draw()
    {
        // The search's draw rewards moving towards Target(6) (where HSO robust, then HSO paper, are the nearest
        // candidates); the two other draws say HSO paper, the runner-up, is exact.
        var paper = NamedSchedules.Build(Ddpm, NamedSchedules.HsoPaper, SolverKind.DpmPp2M, 6, 66).T;
        var search = new DistanceScorer(Ddpm, Target(6));
        var draws = new[] { new DistanceScorer(Ddpm, paper, seed: 107), new DistanceScorer(Ddpm, paper, seed: 207) };
        var options = new ValidatedOptions { Solver = SolverKind.DpmPp2M, Nfe = 6, Budget = 120 * 100 * 6 };
        var schedule = ValidatedSearch.Optimize(Ddpm, search, draws, options);

        var report = schedule.Validation!;
        Assert.Equal(paper, schedule.T);
        Assert.Equal(NamedSchedules.HsoPaper, report.ChosenBy);
        Assert.Equal(0, report.ConfirmationScore!.Value, 12);
        Assert.Equal([107L, 207L], report.ConfirmationSeeds);
        Assert.Equal(report.Candidates.Single(c => c.Name == NamedSchedules.HsoPaper).Score!.Value, report.Score, 12);

        // Finalists: the two best candidates on the search's draw, then each level's best, which beat them there.
        Assert.Equal(4, report.Finalists.Count);
        var ranked = report.Candidates.Where(c => c.Score is not null).OrderBy(c => c.Score).Select(c => c.Name).ToArray();
        Assert.Equal(ranked.Take(2), report.Finalists.Take(2).Select(f => f.Origin));
        Assert.EndsWith("(upper level)", report.Finalists[2].Origin, StringComparison.Ordinal);
        Assert.EndsWith("(refined)", report.Finalists[3].Origin, StringComparison.Ordinal);
        Assert.True(report.Finalists[3].Score < 0.5 * report.BestCandidateScore, "the refinement won on the search's draw");
        Assert.All(report.Finalists, f => Assert.Equal(2, f.ConfirmationScores.Count));
        Assert.True(report.Finalists[3].ConfirmationMean > 0.1, $"refined on the confirmation draws: {report.Finalists[3].ConfirmationMean}");

        // Every draw's measurements are charged to the one budget.
        Assert.Equal(4, draws[0].Measurements);
        Assert.Equal(4, draws[1].Measurements);
        Assert.Equal(search.ModelEvaluations + draws.Sum(d => d.ModelEvaluations), report.Cost.ModelEvaluations);
        Assert.True(report.Cost.ModelEvaluations <= options.Budget, $"spent {report.Cost.ModelEvaluations} of {options.Budget}");
    }

    [Fact]
    public void Confirmation_draws_keep_a_refinement_that_every_draw_agrees_on()
    {
        var search = new DistanceScorer(Ddpm, Target(6));
        var draws = new[] { new DistanceScorer(Ddpm, Target(6), seed: 107) };
        var options = new ValidatedOptions { Solver = SolverKind.DpmPp2M, Nfe = 6, Budget = 120 * 100 * 6 };
        var schedule = ValidatedSearch.Optimize(Ddpm, search, draws, options);

        var report = schedule.Validation!;
        Assert.EndsWith("(refined)", report.ChosenBy, StringComparison.Ordinal);
        Assert.Equal(report.Score, report.ConfirmationScore!.Value, 12);
        Assert.True(report.Score < 0.5 * report.BestCandidateScore);
        Assert.Equal(report.Finalists.MinBy(f => f.ConfirmationMean)!.T, schedule.T);
        Assert.True(report.Cost.ModelEvaluations <= options.Budget);
    }

    [Fact]
    public void The_every_draw_rule_keeps_the_best_candidate_when_a_refinement_loses_one_draw()
    {
        // Two draws agree with the search's (the refinement towards Target(6) is best there); the third says HSO
        // robust, the candidate nearest the target, is exact. On the mean the refinement still wins.
        var robust = NamedSchedules.Build(Ddpm, NamedSchedules.HsoRobust, SolverKind.DpmPp2M, 6, 66).T;
        ValidationReport Run(ConfirmationRule rule, out IReadOnlyList<double> times)
        {
            var draws = new[] { new DistanceScorer(Ddpm, Target(6), seed: 107), new DistanceScorer(Ddpm, Target(6), seed: 207), new DistanceScorer(Ddpm, robust, seed: 307) };
            var options = new ValidatedOptions { Solver = SolverKind.DpmPp2M, Nfe = 6, Budget = 120 * 100 * 6, ConfirmationRule = rule };
            var schedule = ValidatedSearch.Optimize(Ddpm, new DistanceScorer(Ddpm, Target(6)), draws, options);
            times = schedule.T;
            return schedule.Validation!;
        }

        var mean = Run(ConfirmationRule.Mean, out var meanTimes);
        Assert.Equal("mean", mean.ConfirmationRule);
        Assert.EndsWith("(refined)", mean.ChosenBy, StringComparison.Ordinal);
        var refined = mean.Finalists.Single(f => f.Origin == mean.ChosenBy);
        var family = mean.Finalists.Single(f => f.Origin == NamedSchedules.HsoRobust);
        Assert.True(refined.ConfirmationMean < family.ConfirmationMean, $"{refined.ConfirmationMean} vs {family.ConfirmationMean}");
        Assert.True(refined.ConfirmationScores[2] > family.ConfirmationScores[2], "the refinement loses the third draw");

        var strict = Run(ConfirmationRule.EveryDraw, out var strictTimes);
        Assert.Equal("every-draw", strict.ConfirmationRule);
        Assert.Equal(NamedSchedules.HsoRobust, strict.ChosenBy);
        Assert.Equal(robust, strictTimes);
        Assert.Equal(family.ConfirmationMean!.Value, strict.ConfirmationScore!.Value, 12);
        Assert.Equal(mean.Finalists.Select(f => f.ConfirmationMean), strict.Finalists.Select(f => f.ConfirmationMean));
        Assert.NotEqual(meanTimes, strictTimes);
    }

    [Theory]
    [InlineData("mean", ConfirmationRule.Mean)]
    [InlineData(" Every-Draw ", ConfirmationRule.EveryDraw)]
    public void Confirmation_rules_read_their_names(string text, ConfirmationRule expected)
    {
        Assert.Equal(expected, ConfirmationRules.Parse(text));
        Assert.Equal(text.Trim().ToLowerInvariant(), expected.Name());
    }

    [Fact]
    public void An_unknown_confirmation_rule_is_refused_with_the_field_and_the_allowed_names()
    {
        Assert.False(ConfirmationRules.TryParse("median", out _));
        Assert.False(ConfirmationRules.TryParse(null, out _));
        var error = Assert.Throws<HsoArgumentException>(() => ConfirmationRules.Parse("median", "confirmation-rule"));
        Assert.Equal("confirmation-rule must be one of mean, every-draw, got 'median'", error.Message);
        Assert.Equal("confirmation-rule", error.ParamName);
    }

    [Fact]
    public void A_budget_too_small_for_confirmation_chooses_on_the_search_draw_and_says_so()
    {
        var draws = new[] { new DistanceScorer(Ddpm, Target(4), seed: 107) };
        var schedule = ValidatedSearch.Optimize(
            Ddpm, new DistanceScorer(Ddpm, Target(4)), draws, new ValidatedOptions { Solver = SolverKind.DpmPp2M, Nfe = 4, Budget = 8 * 400 });

        Assert.Empty(schedule.Validation!.ConfirmationSeeds);
        Assert.Null(schedule.Validation.ConfirmationScore);
        Assert.Equal(0, draws[0].Measurements);
        Assert.Contains(schedule.Warnings, w => w.Contains("no confirmation draws", StringComparison.Ordinal));
    }

    [Fact]
    public void A_tight_budget_is_never_exceeded_and_a_budget_below_one_measurement_is_refused()
    {
        foreach (var measurements in new[] { 3, 6, 7, 10 })
        {
            var scorer = new DistanceScorer(Ddpm, Target(4));
            var budget = measurements * 400L + 399;
            var schedule = ValidatedSearch.Optimize(Ddpm, scorer, new ValidatedOptions { Solver = SolverKind.DpmPp2M, Nfe = 4, Budget = budget });
            // Never over budget; the lower level may stop short of it (its first vertex is a schedule already measured).
            Assert.InRange(scorer.Measurements, Math.Min(measurements, 5), measurements);
            Assert.True(scorer.ModelEvaluations <= budget);
            // Candidates with identical times (HSO paper and robust agree at NFE 4) are measured once.
            var distinct = schedule.Validation!.Candidates.Where(c => c.Score is not null).Select(c => string.Join(',', c.T)).Distinct().Count();
            Assert.Equal(Math.Min(measurements, 5), distinct);
        }

        var error = Assert.Throws<HsoArgumentException>(() =>
            ValidatedSearch.Optimize(Ddpm, new DistanceScorer(Ddpm, Target(4)), new ValidatedOptions { Solver = SolverKind.DpmPp2M, Nfe = 4, Budget = 399 }));
        Assert.Equal("budget", error.ParamName);
        Assert.Contains("400", error.Message);
    }

    [Fact]
    public void Extra_candidates_are_measured_and_can_win()
    {
        var target = Target(5);
        var scorer = new DistanceScorer(Ddpm, target);
        var schedule = ValidatedSearch.Optimize(
            Ddpm,
            scorer,
            new ValidatedOptions { Solver = SolverKind.DpmPp2M, Nfe = 5, Budget = 7 * 500, Extra = [new NamedTimes("cached:robust", target)] });

        Assert.Equal("cached:robust", schedule.Validation!.BestCandidate);
        Assert.Equal(0, schedule.Validation.Score, 12);
        Assert.Equal(target, schedule.T);
        Assert.Equal("cached:robust", schedule.Validation.ChosenBy);
    }

    [Fact]
    public void Is_deterministic_and_cancellable()
    {
        var first = ValidatedSearch.Optimize(Ddpm, new DistanceScorer(Ddpm, Target(4)), new ValidatedOptions { Solver = SolverKind.UniPc, Nfe = 4, Budget = 60 * 400 });
        var second = ValidatedSearch.Optimize(Ddpm, new DistanceScorer(Ddpm, Target(4)), new ValidatedOptions { Solver = SolverKind.UniPc, Nfe = 4, Budget = 60 * 400 });
        Assert.Equal(first.T, second.T);

        using var cancel = new CancellationTokenSource();
        var scorer = new DistanceScorer(Ddpm, Target(4), onMeasure: n =>
        {
            if (n == 9)
            {
                cancel.Cancel();
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() =>
            ValidatedSearch.Optimize(Ddpm, scorer, new ValidatedOptions { Solver = SolverKind.UniPc, Nfe = 4, Budget = 60 * 400 }, cancellationToken: cancel.Token));
        Assert.Equal(9, scorer.Measurements);
    }

    [Fact]
    public void Lambda_gap_coordinates_round_trip_and_always_give_descending_times()
    {
        var times = ScheduleFamilies.Build(Ddpm, "edm:7", SolverKind.DpmPp2M, 8).T;
        var gaps = new LambdaGaps(Ddpm, times);
        Assert.Equal(7, gaps.Dimension);
        var back = gaps.Times(gaps.Start);
        for (var i = 0; i < times.Count; i++)
        {
            Assert.Equal(times[i], back[i], 9);
        }

        var random = new Random(3);
        for (var trial = 0; trial < 200; trial++)
        {
            var z = Enumerable.Range(0, gaps.Dimension).Select(_ => random.NextDouble() * 8 - 4).ToArray();
            var moved = gaps.Times(z);
            Assert.Equal(times[0], moved[0]);
            Assert.Equal(times[^1], moved[^1]);
            Assert.True(moved.Zip(moved.Skip(1)).All(p => p.First > p.Second), "descending");
        }
    }

    [Fact]
    public void The_spacing_rule_allows_the_measured_best_families_and_rejects_collapsed_points()
    {
        foreach (var family in new[] { "uniform_lambda", "edm:7", "uniform_t:trailing" })
        {
            Assert.True(ValidatedSpacing.Holds(Ddpm, ScheduleFamilies.Build(Ddpm, family, SolverKind.DpmPp2M, 8).T, 0.2), family);
        }

        var times = ScheduleFamilies.Build(Ddpm, "uniform_lambda", SolverKind.DpmPp2M, 8).T.ToArray();
        var squeezed = (double[])times.Clone();
        squeezed[4] = Ddpm.TFromLambda(Ddpm.Lambda(times[3]) + 0.01);
        Assert.False(ValidatedSpacing.Holds(Ddpm, squeezed, 0.2));

        // Two points within one trained step of 1/1000 break the rule whatever the fraction.
        var sameStep = (double[])times.Clone();
        sameStep[^2] = times[^1] + 0.0002;
        Assert.False(ValidatedSpacing.Holds(Ddpm, sameStep, 0));
    }
}
