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
    /// <summary>A score per candidate name (by its times), 100 for anything else, charged as the real scorers are.</summary>
    private sealed class NamedScorer(SolverKind solver, int nfe, Dictionary<string, double> scores, long seed) : IScheduleScorer
    {
        private readonly (IReadOnlyList<double> T, double Score)[] _table =
            [.. scores.Select(pair => (NamedSchedules.Build(Ddpm, pair.Key, solver, nfe).T, pair.Value))];

        public string Metric => "fd";

        public string Description => "a score per candidate (test)";

        public int Samples => 100;

        public long Seed => seed;

        public string Provider => "cpu";

        public long ModelEvaluations { get; private set; }

        public List<IReadOnlyList<double>> Measured { get; } = [];

        public long Cost(int steps) => 100L * steps;

        public double? Score(SolverKind kind, IReadOnlyList<double> times, long allowance, CancellationToken cancellationToken, Action<double>? measuring = null)
        {
            if (Cost(nfe) > allowance)
            {
                return null;
            }

            // Half way through, as a real measurement reports its network calls.
            measuring?.Invoke(0.5);
            ModelEvaluations += Cost(nfe);
            Measured.Add(times);
            return _table.FirstOrDefault(row => row.T.SequenceEqual(times)) is { T: not null } hit ? hit.Score : 100;
        }
    }

    private static readonly Dictionary<string, double> FirstDraw = new()
    {
        ["uniform_lambda"] = 10,
        ["edm:7"] = 9,
        ["uniform_t:trailing"] = 11,
        ["ays"] = 12,
        ["hso-robust"] = 20,
        ["hso-paper"] = 20,
    };

    [Fact]
    public void Finalists_near_the_first_draws_best_are_measured_again_and_the_lowest_mean_there_is_served()
    {
        // Within 1.25 x 9 of the first draw: edm:7, uniform_lambda and uniform_t (11.25 > 11); ays (12) is not a
        // finalist, so its low confirmation scores are never measured.
        var first = new NamedScorer(SolverKind.DpmPp2M, 8, FirstDraw, seed: 1);
        var again = new Dictionary<string, double> { ["edm:7"] = 10, ["uniform_lambda"] = 8, ["uniform_t:trailing"] = 9, ["ays"] = 1 };
        NamedScorer[] draws = [new(SolverKind.DpmPp2M, 8, again, 2), new(SolverKind.DpmPp2M, 8, again, 3), new(SolverKind.DpmPp2M, 8, again, 4)];

        var schedule = ScheduleSelection.Select(Ddpm, first, SolverKind.DpmPp2M, 8, budget: 20 * 100 * 8, confirmation: draws);

        Assert.Equal("uniform_lambda", schedule.Family);
        var report = schedule.Validation!;
        Assert.Equal("edm:7", report.BestCandidate);
        Assert.Equal(9, report.BestCandidateScore);
        Assert.Equal(10, report.Score);
        Assert.Equal(8, report.ConfirmationScore);
        Assert.Equal("mean", report.ConfirmationRule);
        Assert.Equal<long>([2, 3, 4], report.ConfirmationSeeds);
        Assert.Equal<string>(["edm:7", "uniform_lambda", "uniform_t:trailing"], report.Finalists.Select(f => f.Origin));
        Assert.Equal<double>([10, 10, 10], report.Finalists[0].ConfirmationScores);
        Assert.All(draws, d => Assert.Equal(3, d.Measured.Count));
        var measuredFirst = first.Measured.Count;
        Assert.Equal((measuredFirst + 9) * 100L * 8, report.Cost.ModelEvaluations);
    }

    [Fact]
    public void Progress_follows_the_measurements_as_they_run_not_only_when_each_ends()
    {
        var first = new NamedScorer(SolverKind.DpmPp2M, 8, FirstDraw, seed: 1);
        var again = new Dictionary<string, double> { ["edm:7"] = 10, ["uniform_lambda"] = 8, ["uniform_t:trailing"] = 9 };
        NamedScorer[] draws = [new(SolverKind.DpmPp2M, 8, again, 2), new(SolverKind.DpmPp2M, 8, again, 3), new(SolverKind.DpmPp2M, 8, again, 4)];
        var seen = new List<double>();

        ScheduleSelection.Select(Ddpm, first, SolverKind.DpmPp2M, 8, budget: 20 * 100 * 8, progress: seen.Add, confirmation: draws);

        // Planned: six candidates and at most four finalists on three draws, 18 measurements. The first report comes
        // half way through the first measurement; three finalists measure 15 of the 18.
        Assert.Equal(0.5 / 18, seen[0], 12);
        Assert.Contains(seen, p => Math.Abs(p - (6.5 / 18)) < 1e-12); // half way through the first confirmation
        Assert.Equal(15.0 / 18, seen[^1], 12);
        Assert.Equal(seen.Order(), seen);
        Assert.Equal(2 * 15, seen.Count);
    }

    [Fact]
    public void Without_room_for_the_confirmation_the_first_draws_best_is_served_and_the_warning_says_why()
    {
        var first = new NamedScorer(SolverKind.DpmPp2M, 8, FirstDraw, seed: 1);
        var again = new Dictionary<string, double> { ["uniform_lambda"] = 1 };
        NamedScorer[] draws = [new(SolverKind.DpmPp2M, 8, again, 2), new(SolverKind.DpmPp2M, 8, again, 3)];

        // The six candidates' first-draw measurements and two more: one finalist on both draws, no other.
        var schedule = ScheduleSelection.Select(Ddpm, first, SolverKind.DpmPp2M, 8, budget: (6 + 2) * 100 * 8, confirmation: draws);

        Assert.Equal(6, first.Measured.Count);
        Assert.Equal("edm:7", schedule.Family);
        Assert.Null(schedule.Validation!.ConfirmationScore);
        Assert.Contains(schedule.Warnings, w => w.Contains("first draw's best is served", StringComparison.Ordinal));
        Assert.True(schedule.Validation.Cost.ModelEvaluations <= schedule.Validation.Cost.Budget);
    }

    [Fact]
    public void A_single_finalist_is_served_without_measuring_it_again()
    {
        var scores = new Dictionary<string, double>(FirstDraw) { ["edm:7"] = 5 };
        var first = new NamedScorer(SolverKind.DpmPp2M, 8, scores, seed: 1);
        NamedScorer[] draws = [new(SolverKind.DpmPp2M, 8, [], 2)];

        var schedule = ScheduleSelection.Select(Ddpm, first, SolverKind.DpmPp2M, 8, budget: 20 * 100 * 8, confirmation: draws);

        Assert.Equal("edm:7", schedule.Family);
        Assert.Empty(draws[0].Measured);
        Assert.Empty(schedule.Validation!.Finalists);
        Assert.Empty(schedule.Validation.ConfirmationSeeds);
    }
}
