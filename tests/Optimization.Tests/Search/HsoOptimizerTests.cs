using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Objective;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;

namespace HsoService.Optimization.Tests.Search;

public class HsoOptimizerTests
{
    // HSO-SPEC section 6: the authors' reference on the sd preset.
    [Theory]
    [InlineData(SolverKind.UniPc, 4, 3.0960240, new[] { 0.96, 0.78266, 0.55782, 0.29242, 0.03 })]
    [InlineData(SolverKind.UniPc, 5, 3.1144890, null)]
    [InlineData(SolverKind.Ddim, 4, 3.1967506, new[] { 0.96, 0.70906, 0.37665, 0.03 })]
    [InlineData(SolverKind.Ddim, 5, 3.0960240, new[] { 0.96, 0.78266, 0.55782, 0.29242, 0.03 })]
    public void Paper_mode_reaches_the_reference_fitness(SolverKind solver, int nfe, double golden, double[]? goldenTimes)
    {
        var schedule = HsoOptimizer.Optimize(Noise.Sd, new HsoOptions { Mode = ScheduleMode.Paper, Solver = solver, Nfe = nfe });

        Assert.True(schedule.Fitness <= golden * 1.001, $"fitness {schedule.Fitness} above reference {golden} + 0.1%");
        Assert.Equal(solver.PointCount(nfe), schedule.T.Count);
        if (goldenTimes is not null)
        {
            for (var i = 0; i < goldenTimes.Length; i++)
            {
                Assert.Equal(goldenTimes[i], schedule.T[i], 4);
            }
        }
    }

    // Issue 18's held-out case: linear betas 0.00085..0.012, UniPC NFE 6, where the authors' code reports SPF 911.794
    // (rho 14.80, eps 0.0100, T_max 0.99999927) and ours 913.141. The gap is not the upper level's: with a lower level
    // that converges MEP (HSO-SPEC section 2 allows any that reaches an equal or lower MEP), SPF depends on psi only
    // through (eps, T_max) (rho only starts the refinement: 0.01 apart of 913), and the corner eps = 0.01, T_max = 1 is the landscape's
    // minimum. The reference's trust-constr stops after 80 iterations at a point of higher MEP whose penalty happens
    // to be lower. This pins both facts, so a change that makes the upper level miss its own minimum fails here.
    [Fact]
    public void Paper_mode_finds_the_minimum_of_its_own_landscape_on_the_linear_case()
    {
        var linear = NoiseSchedule.FromConfig(new SchedulerConfig { BetaSchedule = BetaScheduleKind.Linear, BetaStart = 0.00085, BetaEnd = 0.012 });
        var options = new HsoOptions { Mode = ScheduleMode.Paper, Solver = SolverKind.UniPc, Nfe = 6 };
        var searched = HsoOptimizer.Optimize(linear, options);

        double At(double rho, double eps, double tMax) =>
            HsoOptimizer.Optimize(linear, options with { Rho = new(rho, rho), Eps = new(eps, eps), TMax = new(tMax, tMax), Polish = false, PopulationSize = 2, MaxIterations = 0 }).Fitness;

        var grid = (from eps in new[] { 0.01, 0.0125, 0.015, 0.02, 0.03 }
                    from tMax in new[] { 0.96, 0.98, 0.99, 0.995, 0.999, 0.99999927, 1.0 }
                    select At(14.8, eps, tMax)).Min();
        Assert.True(searched.Fitness <= grid + 1e-9, $"searched {searched.Fitness}, grid minimum {grid}");
        Assert.Equal(0.01, searched.Params.Eps, 6);
        Assert.Equal(1.0, searched.Params.TMax, 6);
        // rho only starts the refinement: at the corner rho 3 and rho 16 end within 0.05 of each other (of 913).
        Assert.InRange(Math.Abs(At(3, 0.01, 1) - At(16, 0.01, 1)), 0, 0.05);
        Assert.InRange(searched.Fitness, 913.0, 913.3);
    }

    [Fact]
    public void Paper_mode_at_unipc_nfe_5_ends_near_the_reference_schedule()
    {
        var schedule = HsoOptimizer.Optimize(Noise.Sd, new HsoOptions { Mode = ScheduleMode.Paper, Solver = SolverKind.UniPc, Nfe = 5 });
        double[] reference = [0.96010, 0.81877, 0.64650, 0.44253, 0.21522, 0.013727];
        for (var i = 0; i < reference.Length; i++)
        {
            Assert.InRange(schedule.T[i], reference[i] - 0.003, reference[i] + 0.003);
        }
    }

    [Theory]
    [InlineData("sd", SolverKind.Ddim)]
    [InlineData("sd", SolverKind.UniPc)]
    [InlineData("sd", SolverKind.DpmPp2M)]
    [InlineData("ddpm", SolverKind.Ddim)]
    [InlineData("ddpm", SolverKind.UniPc)]
    [InlineData("ddpm", SolverKind.DpmPp2M)]
    [InlineData("cosine", SolverKind.Ddim)]
    [InlineData("cosine", SolverKind.UniPc)]
    [InlineData("cosine", SolverKind.DpmPp2M)]
    public void Robust_mode_has_zero_penalty_and_never_a_higher_fitness_than_paper(string preset, SolverKind solver)
    {
        var noise = Noise.Preset(preset);
        for (var nfe = 3; nfe <= 12; nfe++)
        {
            var paper = HsoOptimizer.Optimize(noise, new HsoOptions { Mode = ScheduleMode.Paper, Solver = solver, Nfe = nfe });
            var robust = HsoOptimizer.Optimize(noise, new HsoOptions { Mode = ScheduleMode.Robust, Solver = solver, Nfe = nfe });

            // Feasible in the default bounds for all these cases: N d_min <= 1.0 - 0.01.
            Assert.True(solver.IntervalCount(nfe) * SpacingPenalty.MinimumGap(nfe) <= 0.99);
            Assert.True(robust.Penalty == 0, $"nfe {nfe}: robust penalty {robust.Penalty}");
            Assert.True(robust.Fitness <= paper.Fitness, $"nfe {nfe}: robust {robust.Fitness} > paper {paper.Fitness}");
            Assert.DoesNotContain(robust.Warnings, w => w.Contains("spacing"));
            for (var i = 0; i + 1 < robust.T.Count; i++)
            {
                Assert.True(robust.T[i] - robust.T[i + 1] >= SpacingPenalty.MinimumGap(nfe), $"nfe {nfe}: gap {i} below d_min");
            }
        }
    }

    [Fact]
    public void Robust_mode_says_when_the_bounds_make_the_spacing_rule_infeasible()
    {
        // unipc at NFE 10 needs T_max - eps >= 10 x 0.0975 = 0.975; fixed at 0.96 - 0.03 = 0.93 it cannot.
        var options = new HsoOptions
        {
            Mode = ScheduleMode.Robust,
            Solver = SolverKind.UniPc,
            Nfe = 10,
            Eps = new Bounds(0.03, 0.03),
            TMax = new Bounds(0.96, 0.96),
        };
        var schedule = HsoOptimizer.Optimize(Noise.Sd, options);

        Assert.True(schedule.Penalty > 0);
        var warning = Assert.Single(schedule.Warnings, w => w.StartsWith("infeasible spacing"));
        Assert.Contains("0.975", warning);
        Assert.Contains("0.93", warning);
    }

    [Fact]
    public void Paper_mode_warns_when_its_schedule_breaks_the_spacing_rule()
    {
        var schedule = HsoOptimizer.Optimize(Noise.Sd, new HsoOptions { Mode = ScheduleMode.Paper, Solver = SolverKind.UniPc, Nfe = 8 });
        Assert.True(schedule.Penalty > 1e4);
        Assert.Contains(schedule.Warnings, w => w.Contains("mode robust"));
    }

    [Fact]
    public void The_same_seed_gives_a_bit_identical_schedule()
    {
        var options = new HsoOptions { Mode = ScheduleMode.Robust, Solver = SolverKind.DpmPp2M, Nfe = 7, Seed = 1234 };
        var first = HsoOptimizer.Optimize(Noise.Sd, options);
        var second = HsoOptimizer.Optimize(Noise.Sd, options);

        Assert.Equal(first.T, second.T);
        Assert.Equal(first.Params, second.Params);
        Assert.Equal(BitConverter.DoubleToInt64Bits(first.Fitness), BitConverter.DoubleToInt64Bits(second.Fitness));
        Assert.Equal(first.Evaluations, second.Evaluations);
        Assert.Equal(1234, first.Seed);
    }

    [Fact]
    public void Different_seeds_search_differently_but_agree_on_the_fitness()
    {
        var a = HsoOptimizer.Optimize(Noise.Sd, new HsoOptions { Solver = SolverKind.UniPc, Nfe = 6, Seed = 1 });
        var b = HsoOptimizer.Optimize(Noise.Sd, new HsoOptions { Solver = SolverKind.UniPc, Nfe = 6, Seed = 2 });

        Assert.NotEqual(a.Params.Rho, b.Params.Rho);
        Assert.Equal(a.Fitness, b.Fitness, 4);
    }

    [Fact]
    public void Progress_is_reported_per_generation_and_cancellation_stops_the_search()
    {
        var generations = new List<int>();
        HsoOptimizer.Optimize(Noise.Sd, new HsoOptions { Nfe = 8 }, (generation, _) => generations.Add(generation));
        Assert.Equal(Enumerable.Range(1, generations.Count), generations);

        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => HsoOptimizer.Optimize(Noise.Sd, new HsoOptions { Nfe = 8 }, null, cancel.Token));
    }

    [Fact]
    public void Result_describes_itself()
    {
        var schedule = HsoOptimizer.Optimize(Noise.Sd, new HsoOptions { Solver = SolverKind.UniPc, Nfe = 5 });

        Assert.Equal(ScheduleMode.Robust, schedule.Mode);
        Assert.Equal(Noise.Sd.Hash, schedule.NoiseScheduleHash);
        Assert.Equal(schedule.Mep + schedule.Penalty, schedule.Fitness);
        Assert.Equal(schedule.T[0], schedule.Params.TMax);
        Assert.Equal(schedule.T[^1], schedule.Params.Eps);
        Assert.InRange(schedule.Params.Rho!.Value, 3, 16);
        Assert.True(schedule.ElapsedMs > 0);
        for (var i = 0; i < schedule.T.Count; i++)
        {
            Assert.Equal(Noise.Sd.DiscreteTimestep(schedule.T[i]), schedule.Timesteps[i]);
            Assert.Equal(schedule.T[i] * 1000 - 1, schedule.ModelTimes[i], 9);
            Assert.Equal(Noise.Sd.EdmSigma(schedule.T[i]), schedule.Sigmas[i], 9);
            Assert.Equal(Noise.Sd.Lambda(schedule.T[i]), schedule.Lambdas[i], 12);
        }
    }

    [Theory]
    [InlineData(0, "nfe")]
    [InlineData(1, "nfe")]
    [InlineData(10000, "nfe")]
    public void Nfe_out_of_range_is_a_clear_error(int nfe, string field)
    {
        var error = Assert.Throws<HsoArgumentException>(() => HsoOptimizer.Optimize(Noise.Sd, new HsoOptions { Nfe = nfe }));
        Assert.Equal(field, error.ParamName);
        Assert.Contains($"got {nfe}", error.Message);
        Assert.Contains("2..100", error.Message);
    }

    [Fact]
    public void Eps_at_or_above_t_max_is_a_clear_error()
    {
        var options = new HsoOptions { Eps = new Bounds(0.5, 0.97), TMax = new Bounds(0.96, 1.0) };
        var error = Assert.Throws<HsoArgumentException>(() => HsoOptimizer.Optimize(Noise.Sd, options));
        Assert.Equal("eps", error.ParamName);
        Assert.Contains("eps must stay below t_max", error.Message);
    }

    [Theory]
    [InlineData("rho")]
    [InlineData("p")]
    [InlineData("population_size")]
    [InlineData("max_iterations")]
    public void Other_bad_options_name_their_field(string field)
    {
        var options = field switch
        {
            "rho" => new HsoOptions { Rho = new Bounds(16, 3) },
            "p" => new HsoOptions { P = double.NaN },
            "population_size" => new HsoOptions { PopulationSize = 0 },
            _ => new HsoOptions { MaxIterations = -1 },
        };
        var error = Assert.Throws<HsoArgumentException>(() => HsoOptimizer.Optimize(Noise.Sd, options));
        Assert.Equal(field, error.ParamName);
    }
}
