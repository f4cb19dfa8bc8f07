using HsoService.Inference.ModelClasses.StableDiffusion;
using HsoService.Inference.ModelClasses.ClassConditionalPixel;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Validation;
using HsoService.Optimization;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Inference.Tests.Validation;

/// <summary>The model-aware strategies on the digits model: the teacher run, each strategy's proposal, and the confirmation against the families.</summary>
public sealed class StrategyTests
{
    private static readonly OnnxSessionFactory Sessions = new(new OnnxOptions());

    private static ValidationSettings Small => new() { StrategySamples = 16, TeacherSamples = 6 };

    [Fact]
    public void The_teacher_run_is_ddim_on_its_grid_so_its_own_next_step_costs_nothing_and_a_long_jump_costs_more()
    {
        var pipeline = Repository.DigitsPipeline;
        var set = new CalibrationSet(pipeline, 6, 77);
        var teacher = TeacherRun.Record(set, pipeline.Noise, gridPoints: 20);

        Assert.Equal(TeacherRun.FineGrid(pipeline.Noise, 20), teacher.Grid);
        Assert.True(teacher.Grid.Count is > 10 and <= 20, $"{teacher.Grid.Count} grid points");
        Assert.Equal(1.0, teacher.Grid[0]);
        Assert.All(teacher.Grid, t => Assert.True(t > pipeline.Noise.TMin));
        Assert.Equal(6L * teacher.Grid.Count, teacher.ModelEvaluations);
        // Each DDIM step of the teacher is exactly a one-step jump to the next grid point (and the last to sigma = 0).
        for (var i = 0; i < teacher.Grid.Count; i++)
        {
            Assert.InRange(teacher.Cost(i, i + 1), 0, 1e-4);
        }

        Assert.True(teacher.Cost(0, teacher.Grid.Count) > 0.05, $"one step from pure noise to the data costs {teacher.Cost(0, teacher.Grid.Count)}");
        Assert.True(teacher.Cost(0, teacher.Grid.Count) > teacher.Cost(teacher.Grid.Count / 2, teacher.Grid.Count));
        // The teacher's outputs are its own samples: the same noise through DDIM over the grid.
        var direct = pipeline.Generate(SolverKind.Ddim, teacher.Grid, [0, 1, 2, 3, 4, 5], 1.0, 77);
        Assert.Equal(direct.Length, teacher.Outputs.Length);
        Assert.InRange(direct.Zip(teacher.Outputs).Max(p => Math.Abs(p.First - p.Second)), 0, 1e-4);
        Assert.Throws<ArgumentOutOfRangeException>(() => teacher.Cost(3, 3));
    }

    [Theory]
    [InlineData(ValidatedStrategy.Trajectory)]
    [InlineData(ValidatedStrategy.Teacher)]
    [InlineData(ValidatedStrategy.Refine)]
    public void Each_strategy_proposes_a_schedule_and_serves_it_only_where_it_beats_the_best_family_on_the_confirmation_draws(ValidatedStrategy strategy)
    {
        using var validation = new ModelValidation(Repository.DigitsPipeline, Sessions, Small);
        var progress = new List<double>();
        var schedule = validation.Optimize(SolverKind.DpmPp2M, 4, strategy, progress: progress.Add);

        var report = schedule.Validation!;
        Assert.Equal(ScheduleMode.Validated, schedule.Mode);
        // Progress rises through every stage to the end; refine and teacher report it during their own search too.
        Assert.True(progress.Zip(progress.Skip(1)).All(p => p.Second >= p.First - 1e-12), string.Join(", ", progress));
        Assert.Equal(1.0, progress[^1], 6);
        Assert.True(progress.Count(p => p is > 0.05 and < 0.95) >= 5, string.Join(", ", progress));
        // The samples it learned from: refine's search draw, or the teacher run.
        Assert.Equal(strategy == ValidatedStrategy.Refine ? ValidationSettings.DefaultSeed : validation.TeacherSeed, report.Seed);
        Assert.Equal(strategy == ValidatedStrategy.Refine ? 16 : 6, report.Samples);
        Assert.Equal(report.SchedulesMeasured, schedule.Evaluations);
        if (strategy == ValidatedStrategy.Trajectory)
        {
            Assert.Equal(report.Finalists.Count, report.SchedulesMeasured);
        }
        else
        {
            Assert.InRange(report.SchedulesMeasured, report.Finalists.Count + 5, report.Finalists.Count + 40);
        }

        Assert.Equal(strategy.Name(), report.Strategy);
        Assert.Equal("fd", report.Metric);
        // refine fits the first draw and is confirmed on the other three; the others on all four.
        long[] seeds = [.. Enumerable.Range(strategy == ValidatedStrategy.Refine ? 1 : 0, strategy == ValidatedStrategy.Refine ? 3 : 4).Select(r => ValidationSettings.DefaultSeed + (16L * r))];
        Assert.Equal(seeds, report.ConfirmationSeeds);
        var families = report.Finalists.Take(4).Select(f => f.Origin).ToArray();
        Assert.Equal(["uniform_lambda", "uniform_t:trailing", "edm:7", "ays"], families);
        var best = report.Finalists.Take(4).MinBy(f => f.ConfirmationMean!.Value)!;
        Assert.Equal(best.Origin, report.BestCandidate);
        // Every-draw: the proposal only where it beats the best family on every draw.
        Assert.Equal("every-draw", report.ConfirmationRule);
        var winner = report.Finalists.Skip(4).Where(p => p.ConfirmationScores.Zip(best.ConfirmationScores).All(s => s.First < s.Second)).Append(best).MinBy(f => f.ConfirmationMean!.Value)!;
        Assert.Equal(winner.Origin, report.ChosenBy);
        Assert.Equal(winner.T, schedule.T);
        Assert.True(report.Score <= report.BestCandidateScore);
        if (winner == best)
        {
            Assert.Contains(schedule.Warnings, w => w.Contains($"so {best.Origin} is served", StringComparison.Ordinal));
        }

        var cost = report.StrategyCost!;
        Assert.Equal(strategy.Name(), cost.Strategy);
        var grid = TeacherRun.FineGrid(Repository.DigitsPipeline.Noise).Length;
        Assert.Equal(strategy == ValidatedStrategy.Refine ? 0 : 6L * grid, cost.Teacher);
        Assert.Equal(
            strategy switch { ValidatedStrategy.Trajectory => 0, ValidatedStrategy.Teacher => 40L * 6 * 4, _ => 40L * 16 * 4 },
            cost.Search);
        Assert.Equal(report.Finalists.Count * seeds.Length * 16L * 4, cost.Confirmation);
        // A fresh model pays it all; nothing was measured before here.
        Assert.Equal(cost.Total, report.Cost.Budget);
        Assert.InRange(report.Cost.ModelEvaluations, 1, cost.Total);
    }

    [Fact]
    public void A_second_search_on_the_model_reuses_the_teacher_run_and_the_families_scores()
    {
        using var validation = new ModelValidation(Repository.DigitsPipeline, Sessions, Small);
        var first = validation.Optimize(SolverKind.UniPc, 3, ValidatedStrategy.Trajectory).Validation!;
        var second = validation.Optimize(SolverKind.UniPc, 3, ValidatedStrategy.Teacher).Validation!;

        Assert.False(first.StrategyCost!.TeacherReused);
        Assert.True(second.StrategyCost!.TeacherReused);
        Assert.Equal(first.StrategyCost.Teacher, second.StrategyCost.Teacher);
        // The families were measured on the same draws by the first search: the second spends only on its own schedules.
        Assert.Equal(first.Finalists.Take(4).Select(f => f.ConfirmationScores), second.Finalists.Take(4).Select(f => f.ConfirmationScores));
        Assert.True(second.Cost.ModelEvaluations < second.StrategyCost.Total);
    }

    [Fact]
    public void A_strategy_asked_of_a_model_without_a_feature_score_is_refused_and_the_default_falls_back_to_the_search()
    {
        using var pipeline = new StableDiffusionPipeline(HsoService.Inference.Models.ModelFolder.Open(Repository.TinySd), Sessions);
        var cache = Directory.CreateTempSubdirectory("hso-calibration-").FullName;
        using var validation = new ModelValidation(pipeline, Sessions, new ValidationSettings { Samples = 4, Measurements = 7, ReferenceSteps = 20, CacheDirectory = cache });

        var error = Assert.Throws<HsoArgumentException>(() => validation.Optimize(SolverKind.DpmPp2M, 3, ValidatedStrategy.Trajectory));
        Assert.Equal("strategy", error.ParamName);
        Assert.Contains("needs a feature extractor with reference statistics", error.Message, StringComparison.Ordinal);
        Assert.Equal("search", validation.Optimize(SolverKind.DpmPp2M, 3).Validation!.Strategy);
    }
}
