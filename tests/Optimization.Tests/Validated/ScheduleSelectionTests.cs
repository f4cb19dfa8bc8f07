using HsoService.Optimization.Families;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Optimization.Tests.Validated;

public sealed class ScheduleSelectionTests
{
    private static readonly NoiseSchedule Ddpm = Noise.Ddpm;

    [Theory]
    [InlineData(SolverKind.DpmPp2M, "edm:7")]
    [InlineData(SolverKind.UniPc, "uniform_t:trailing")]
    [InlineData(SolverKind.Ddim, "ays")]
    [InlineData(SolverKind.UniPc, "hso-robust")]
    public void Serves_the_lowest_score_of_the_draw_and_never_one_a_family_beats(SolverKind solver, string near)
    {
        // The target sits next to one candidate, so that candidate must win and no family may score below it.
        var target = NamedSchedules.Build(Ddpm, near, solver, 6).T.Select(t => Math.Min(1, t * 1.01)).ToArray();
        var scorer = new DistanceScorer(Ddpm, target);

        var schedule = ScheduleSelection.Select(Ddpm, scorer, solver, 6, budget: 100 * 6 * 7);

        Assert.Equal(ScheduleMode.Selected, schedule.Mode);
        Assert.Equal(near, schedule.Family);
        var report = schedule.Validation!;
        Assert.Equal("selection", report.ChosenBy);
        Assert.Equal(ScheduleSelection.Candidates(Ddpm, solver), report.Candidates.Select(c => c.Name));
        var families = report.Candidates.Where(c => ScheduleFamilies.IsFamily(c.Name)).ToArray();
        Assert.Equal(4, families.Length);
        Assert.All(report.Candidates, c => Assert.True(report.Score <= c.Score!.Value, $"{c.Name} {c.Score} scores below the served {report.Score}"));
        Assert.Equal(report.Candidates.Single(c => c.Name == near).T, schedule.T);
        Assert.Equal(FinalStep.ToZero, schedule.FinalStep);
    }

    [Fact]
    public void Spends_one_measurement_a_candidate_within_its_budget_default_family_first()
    {
        var target = ScheduleFamilies.Build(Ddpm, "edm:7", SolverKind.DpmPp2M, 8).T;
        var scorer = new DistanceScorer(Ddpm, target);

        // Room for two measurements only: the default family and the next; the rest are reported as not measured.
        var schedule = ScheduleSelection.Select(Ddpm, scorer, SolverKind.DpmPp2M, 8, budget: 2 * 100 * 8);

        Assert.Equal(2 * 100 * 8, scorer.ModelEvaluations);
        Assert.Equal(ScheduleFamilies.Build(Ddpm, "uniform_lambda", SolverKind.DpmPp2M, 8).T, scorer.Measured[0]);
        var report = schedule.Validation!;
        Assert.Equal(2, report.SchedulesMeasured);
        Assert.Equal(2 * 100 * 8, report.Cost.ModelEvaluations);
        Assert.Equal(4, report.Candidates.Count(c => c.Score is null && c.Note!.Contains("budget", StringComparison.Ordinal)));
        Assert.Contains(schedule.Family, new[] { "uniform_lambda", "uniform_t:trailing" });
        Assert.Contains(schedule.Warnings, w => w.Contains("not measured: the budget was spent", StringComparison.Ordinal));
    }

    [Fact]
    public void Cached_schedules_join_and_can_win()
    {
        var cached = ScheduleFamilies.Build(Ddpm, "uniform_lambda", SolverKind.UniPc, 5, new FamilyOptions { Eps = 0.05 }).T;
        var scorer = new DistanceScorer(Ddpm, cached);

        var schedule = ScheduleSelection.Select(Ddpm, scorer, SolverKind.UniPc, 5, budget: 100 * 5 * 8, extra: [new NamedTimes("cached:validated", cached)]);

        Assert.Equal("cached:validated", schedule.Family);
        Assert.Equal(cached, schedule.T);
        Assert.Equal(0, schedule.Validation!.Score);
    }

    [Fact]
    public void A_budget_below_one_measurement_is_refused_naming_it()
    {
        var scorer = new DistanceScorer(Ddpm, ScheduleFamilies.Build(Ddpm, "edm", SolverKind.UniPc, 5).T);
        var error = Assert.Throws<HsoArgumentException>(() => ScheduleSelection.Select(Ddpm, scorer, SolverKind.UniPc, 5, budget: 499));
        Assert.Equal("budget", error.ParamName);
    }
}
