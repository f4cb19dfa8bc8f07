using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Optimization.Tests.Validated;

/// <summary>The model-aware strategies' pure parts: the dynamic program, the refinement, and the confirmation against the families.</summary>
public sealed class StrategyTests
{
    /// <summary>Jump costs given by a function of the grid indices.</summary>
    private sealed class Costs(IReadOnlyList<double> grid, Func<int, int, double> cost) : IJumpCosts
    {
        public IReadOnlyList<double> Grid => grid;

        public int Calls { get; private set; }

        public double Cost(int from, int to)
        {
            Calls++;
            return cost(from, to);
        }
    }

    private static double[] Grid(int points) => [.. Enumerable.Range(0, points).Select(i => 1.0 - (0.9 * i / (points - 1)))];

    [Fact]
    public void The_dynamic_program_finds_the_even_path_when_a_jump_costs_its_length_squared()
    {
        // Sum of squared lengths over a fixed total is least with equal jumps: 12 grid steps + the end in 4 jumps of 13/4 ~ 3.
        var costs = new Costs(Grid(13), (i, j) => Math.Pow(j - i, 2));
        var path = TrajectoryProgram.CheapestPath(costs, 4);
        Assert.Equal(0, path[0]);
        var ends = path.Append(13).ToArray();
        var jumps = ends.Zip(ends.Skip(1), (a, b) => b - a).ToArray();
        Assert.All(jumps, j => Assert.InRange(j, 3, 4));
        Assert.Equal(13, jumps.Sum());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void The_dynamic_program_matches_every_path_tried_by_hand(int nfe)
    {
        var random = new Random(nfe);
        var table = new double[9, 10];
        for (var i = 0; i < 9; i++)
        {
            for (var j = i + 1; j <= 9; j++)
            {
                table[i, j] = random.NextDouble();
            }
        }

        var costs = new Costs(Grid(9), (i, j) => table[i, j]);
        var path = TrajectoryProgram.CheapestPath(costs, nfe);
        // Each evaluated point jumps to the next one, the last to the end (index 9).
        double Total(int[] p) => p.Select((from, k) => table[from, k + 1 < p.Length ? p[k + 1] : 9]).Sum();
        static IEnumerable<int[]> All(int start, int left)
        {
            if (left == 0)
            {
                yield return [];
                yield break;
            }

            for (var next = start + 1; next <= 9 - left; next++)
            {
                foreach (var rest in All(next, left - 1))
                {
                    yield return [next, .. rest];
                }
            }
        }

        var best = All(0, nfe - 1).Select(rest => (int[])[0, .. rest]).MinBy(Total)!;
        Assert.Equal(Total(best), Total(path), 12);
        Assert.Equal(nfe, path.Length);
        Assert.True(path.Zip(path.Skip(1)).All(p => p.First < p.Second));
    }

    [Fact]
    public void The_trajectory_schedule_is_a_valid_schedule_for_each_solver()
    {
        var noise = Noise.Ddpm;
        double[] grid = [.. Enumerable.Range(0, 30).Select(i => (999 - (33 * i)) / 1000.0)];
        var costs = new Costs(grid, (i, j) => Math.Pow(j - i, 2));
        var multistep = TrajectoryProgram.Times(noise, costs, SolverKind.UniPc, 5);
        var ddim = TrajectoryProgram.Times(noise, costs, SolverKind.Ddim, 5);

        Assert.Equal(6, multistep.Length);
        Assert.Equal(noise.TMin, multistep[^1]);
        Assert.Equal(ddim, multistep[..5]);
        Assert.Equal(5, ddim.Length);
        ScheduleBuilder.Validate(noise, SolverKind.UniPc, 5, multistep);
        ScheduleBuilder.Validate(noise, SolverKind.Ddim, 5, ddim);
        Assert.Throws<HsoArgumentException>(() => TrajectoryProgram.CheapestPath(costs, 31));
    }

    [Fact]
    public void Refinement_starts_from_the_best_family_and_moves_its_interior_points_closer_to_the_scorer_s_target()
    {
        var noise = Noise.Ddpm;
        var families = ProposalConfirmation.Families(noise, SolverKind.UniPc, 5);
        var edm = families.Single(f => f.Name == "edm:7").T;
        // A target near edm but not on any family: its interior lambdas shifted.
        double[] target = [.. edm.Select((t, i) => i is 0 || i == edm.Count - 1 ? t : noise.TFromLambda(noise.Lambda(t) + 0.3))];
        var scorer = new DistanceScorer(noise, target, samples: 10);

        var refined = FamilyRefinement.Refine(noise, scorer, "refined", SolverKind.UniPc, 5, measurements: 30);

        Assert.Equal("edm:7 (refined)", refined.Name);
        Assert.InRange(scorer.Measurements, 5, 30);
        var start = scorer.Score(SolverKind.UniPc, edm, long.MaxValue, default)!.Value;
        var end = scorer.Score(SolverKind.UniPc, refined.T, long.MaxValue, default)!.Value;
        Assert.True(end < start / 4, $"refined {end} against edm {start}");
        Assert.Equal(edm[0], refined.T[0]);
        Assert.Equal(edm[^1], refined.T[^1]);
    }

    [Theory]
    [InlineData(ConfirmationRule.Mean, 0.0, "proposal")]
    [InlineData(ConfirmationRule.Mean, 1.0, "uniform_lambda")]
    [InlineData(ConfirmationRule.EveryDraw, 0.0, "proposal")]
    public void Confirmation_serves_the_proposal_only_where_it_beats_the_best_family(ConfirmationRule rule, double offset, string expected)
    {
        var noise = Noise.Ddpm;
        var families = ProposalConfirmation.Families(noise, SolverKind.DpmPp2M, 4);
        var lambdaFamily = families.Single(f => f.Name == "uniform_lambda").T;
        // The draws score the distance to a schedule just off uniform_lambda, so the family is close and the proposal
        // (that schedule itself) is at distance 0 plus the offset.
        double[] target = [.. lambdaFamily.Select((t, i) => i == 2 ? noise.TFromLambda(noise.Lambda(t) + 0.2) : t)];
        var draws = Enumerable.Range(0, 3).Select(r => new OffsetScorer(new DistanceScorer(noise, target, samples: 10, seed: 100 + r), target, offset)).ToArray();
        var proposal = new Proposal(ValidatedStrategy.Trajectory, [new NamedTimes("proposal", target)], 500, false, 0, 1.5);

        var schedule = ProposalConfirmation.Choose(noise, proposal, draws, SolverKind.DpmPp2M, 4, rule);

        var report = schedule.Validation!;
        Assert.Equal(expected, report.ChosenBy);
        Assert.Equal("uniform_lambda", report.BestCandidate);
        Assert.Equal("trajectory", report.Strategy);
        Assert.Equal(rule.Name(), report.ConfirmationRule);
        Assert.Equal([100L, 101, 102], report.ConfirmationSeeds);
        Assert.Equal(5, report.Finalists.Count);
        Assert.All(report.Finalists, f => Assert.Equal(3, f.ConfirmationScores.Count));
        Assert.Equal(new StrategyCost("trajectory", 500, false, 0, 5 * 3 * 10 * 4), report.StrategyCost);
        Assert.Equal(500 + (5 * 3 * 10 * 4), report.Cost.ModelEvaluations);
        Assert.Equal(ScheduleMode.Validated, schedule.Mode);
        Assert.Equal(expected == "proposal" ? target : lambdaFamily, schedule.T);
        Assert.Equal(expected != "proposal", schedule.Warnings.Any(w => w.Contains("did not beat the best family", StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_draw_keeps_the_family_when_the_proposal_loses_one_draw_though_its_mean_is_lower()
    {
        var noise = Noise.Ddpm;
        var lambdaFamily = ProposalConfirmation.Families(noise, SolverKind.DpmPp2M, 4).Single(f => f.Name == "uniform_lambda").T;
        double[] target = [.. lambdaFamily.Select((t, i) => i == 2 ? noise.TFromLambda(noise.Lambda(t) + 0.2) : t)];
        var family = new DistanceScorer(noise, target, samples: 10).Score(SolverKind.DpmPp2M, lambdaFamily, long.MaxValue, default)!.Value;
        // Draw 0 charges the proposal more than the family scores; draws 1 and 2 nothing: a lower mean, one lost draw.
        IScheduleScorer[] draws = [new OffsetScorer(new DistanceScorer(noise, target, samples: 10), target, 2 * family), new DistanceScorer(noise, target, samples: 10), new DistanceScorer(noise, target, samples: 10)];
        var proposal = new Proposal(ValidatedStrategy.Teacher, [new NamedTimes("proposal", target)], 0, true, 40, 0);

        Assert.Equal("proposal", ProposalConfirmation.Choose(noise, proposal, draws, SolverKind.DpmPp2M, 4, ConfirmationRule.Mean).Validation!.ChosenBy);
        Assert.Equal("uniform_lambda", ProposalConfirmation.Choose(noise, proposal, draws, SolverKind.DpmPp2M, 4, ConfirmationRule.EveryDraw).Validation!.ChosenBy);
    }

    [Fact]
    public void Strategy_names_read_as_configuration_and_requests_spell_them()
    {
        Assert.Equal(["trajectory", "teacher", "refine", "search"], ValidatedStrategies.Names);
        Assert.Equal(ValidatedStrategy.Refine, ValidatedStrategies.Parse(" Refine "));
        Assert.Equal("search", ValidatedStrategy.Search.Name());
        Assert.Equal(ValidatedStrategy.Refine, ValidatedStrategies.Default);
        var error = Assert.Throws<HsoArgumentException>(() => ValidatedStrategies.Parse("gits"));
        Assert.Equal("strategy must be one of trajectory, teacher, refine, search, got 'gits'", error.Message);
    }

    /// <summary>A scorer that adds a fixed amount to one schedule's score.</summary>
    private sealed class OffsetScorer(IScheduleScorer inner, IReadOnlyList<double> times, double offset) : IScheduleScorer
    {
        public string Metric => inner.Metric;

        public string Description => inner.Description;

        public int Samples => inner.Samples;

        public long Seed => inner.Seed;

        public string Provider => inner.Provider;

        public long ModelEvaluations => inner.ModelEvaluations;

        public long Cost(int nfe) => inner.Cost(nfe);

        public double? Score(SolverKind solver, IReadOnlyList<double> t, long allowance, CancellationToken cancellationToken, Action<double>? measuring = null) =>
            inner.Score(solver, t, allowance, cancellationToken) + (t.SequenceEqual(times) ? offset : 0);
    }
}
