using HsoService.Inference.ModelClasses.StableDiffusion;
using HsoService.Inference.ModelClasses.ClassConditionalPixel;
using HsoService.Inference.ModelClasses;
using HsoService.Inference.Evaluation;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Validation;
using HsoService.Optimization;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Inference.Tests.Validation;

public sealed class ModelValidationTests
{
    private static readonly OnnxSessionFactory Sessions = new(new OnnxOptions());

    [Fact]
    public void Measures_FD_on_the_digits_model_within_the_budget_and_reuses_its_calibration()
    {
        var settings = new ValidationSettings { Strategy = ValidatedStrategy.Search, Samples = 32, Measurements = 10 };
        using var validation = new ModelValidation(Repository.DigitsPipeline, Sessions, settings);
        var schedule = validation.Optimize(SolverKind.DpmPp2M, 4);

        var report = schedule.Validation!;
        Assert.Equal(ScheduleMode.Validated, schedule.Mode);
        Assert.Equal("fd", report.Metric);
        Assert.Equal(32, report.Samples);
        Assert.Equal(ValidationSettings.DefaultSeed, report.Seed);
        Assert.Contains("reference_statistics.json (1797 images)", report.MetricDescription);
        Assert.Equal(32L * 4 * 10, report.Cost.Budget);
        Assert.InRange(report.Cost.ModelEvaluations, 32L * 4 * 5, report.Cost.Budget);
        Assert.Equal("cpu", report.Cost.Provider);
        Assert.Equal(ValidatedOptions.DefaultCandidates, report.Candidates.Select(c => c.Name));
        // Ten measurements cannot pay for confirmation draws as well: chosen on the search's draw, and said so.
        Assert.Empty(report.ConfirmationSeeds);
        Assert.Contains(schedule.Warnings, w => w.Contains("no confirmation draws", StringComparison.Ordinal));
        Assert.True(report.Score <= report.BestCandidateScore);
        Assert.InRange(report.Score, 1, 200);
        Assert.DoesNotContain(schedule.Warnings, w => w.Contains("no feature extractor", StringComparison.Ordinal));

        // The same schedule measured by a fresh scorer on the same calibration set scores the same.
        using var fresh = new ModelValidation(Repository.DigitsPipeline, Sessions, settings);
        Assert.Equal(report.Score, fresh.Scorer().Score(SolverKind.DpmPp2M, schedule.T, long.MaxValue, default)!.Value, 6);

        // A second search on the model reuses the scorer and every score it already measured.
        var spent = validation.Scorer().ModelEvaluations;
        var again = validation.Optimize(SolverKind.DpmPp2M, 4);
        Assert.Equal(1, validation.ScorerBuilds);
        Assert.Equal(report.Candidates.Select(c => c.Score), again.Validation!.Candidates.Select(c => c.Score));
        Assert.True(validation.Scorer().ModelEvaluations - spent < report.Cost.ModelEvaluations, "candidates are not measured twice");
    }

    [Fact]
    public void Finalists_are_measured_again_on_the_next_seeds_and_the_lowest_mean_there_is_chosen()
    {
        var settings = new ValidationSettings { Strategy = ValidatedStrategy.Search, Samples = 16, Measurements = 30, ConfirmationDraws = 2 };
        using var validation = new ModelValidation(Repository.DigitsPipeline, Sessions, settings);
        var schedule = validation.Optimize(SolverKind.DpmPp2M, 4);

        var report = schedule.Validation!;
        Assert.Equal([ValidationSettings.DefaultSeed + 16, ValidationSettings.DefaultSeed + 32], report.ConfirmationSeeds);
        Assert.Equal(ValidationSettings.DefaultSeed + 16, validation.ConfirmationScorers()[0].Seed);
        Assert.InRange(report.Finalists.Count, 2, 4);
        var winner = report.Finalists.MinBy(f => f.ConfirmationMean!.Value)!;
        Assert.Equal(winner.T, schedule.T);
        Assert.Equal(winner.Origin, report.ChosenBy);

        // The confirmation scores are real measurements on those seeds: a fresh scorer on seed + 16 agrees.
        using var fresh = new ModelValidation(Repository.DigitsPipeline, Sessions, settings with { Seed = ValidationSettings.DefaultSeed + 16, ConfirmationDraws = 0 });
        Assert.Equal(winner.ConfirmationScores[0], fresh.Scorer().Score(SolverKind.DpmPp2M, schedule.T, long.MaxValue, default)!.Value, 6);
        Assert.NotEqual(winner.ConfirmationScores[0], winner.ConfirmationScores[1]);
        Assert.True(report.Cost.ModelEvaluations <= report.Cost.Budget, $"spent {report.Cost.ModelEvaluations} of {report.Cost.Budget}");
        Assert.Equal(
            validation.Scorer().ModelEvaluations + validation.ConfirmationScorers().Sum(s => s.ModelEvaluations),
            report.Cost.ModelEvaluations);
    }

    [Fact]
    public void The_shipped_reference_statistics_are_those_of_the_real_digits()
    {
        var pipeline = Repository.DigitsPipeline;
        var dataset = DigitsDataset.Load(Repository.DigitsData);
        using var encoder = new FeatureEncoder(Sessions.Open(pipeline.Folder.ClassifierPath!, "classifier"));
        var real = FeatureStatistics.From(encoder.Encode(dataset.Images, dataset.Count, [1, 16, 16]), dataset.Count, encoder.FeatureCount);
        var shipped = ReferenceStatistics.Load(pipeline.Folder.ReferenceStatisticsPath!, encoder.FeatureCount);

        Assert.Equal(1797, shipped.Count);
        Assert.Equal(128, shipped.Mean.Count);
        Assert.InRange(FrechetDistance.Compute(real, shipped), -1e-6, 1e-6);

        var wrong = Path.Combine(Directory.CreateTempSubdirectory("hso-stats-").FullName, "stats.json");
        ReferenceStatistics.Save(real, "test", wrong);
        var error = Assert.Throws<InvalidDataException>(() => ReferenceStatistics.Load(wrong, 64));
        Assert.Contains("a mean of 64", error.Message);
    }

    [Fact]
    public void Without_a_feature_extractor_it_falls_back_to_the_distance_to_a_cached_long_run_and_says_so()
    {
        // The digits folder without its classifier: no feature extractor.
        var folder = Directory.CreateTempSubdirectory("hso-noclassifier-").FullName;
        foreach (var file in new[] { "model_index.json", "scheduler/scheduler_config.json", "unet/model.onnx" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, file))!);
            File.Copy(Path.Combine(Repository.Digits, file), Path.Combine(folder, file));
        }

        var cache = Directory.CreateTempSubdirectory("hso-calibration-").FullName;
        var settings = new ValidationSettings { Samples = 8, Measurements = 8, ReferenceSteps = 100, CacheDirectory = cache };
        using var pipeline = new PixelDiffusionPipeline(ModelFolder.Open(folder), Sessions);
        using var first = new ModelValidation(pipeline, Sessions, settings);
        var schedule = first.Optimize(SolverKind.UniPc, 3);

        Assert.True(first.ReferenceComputed);
        Assert.Equal("reference_rmse", schedule.Validation!.Metric);
        Assert.Contains("DDIM through 100 steps", schedule.Validation.MetricDescription);
        Assert.Contains(schedule.Warnings, w => w.Contains("no feature extractor", StringComparison.Ordinal));
        Assert.InRange(schedule.Validation.Score, 1e-4, 1);
        Assert.True(schedule.Validation.Cost.ModelEvaluations <= 8L * 3 * 8);

        using var second = new ModelValidation(pipeline, Sessions, settings);
        var scorer = second.Scorer();
        Assert.False(second.ReferenceComputed, "the reference run is read from the cache");
        Assert.Equal(schedule.Validation.Score, scorer.Score(SolverKind.UniPc, schedule.T, long.MaxValue, default)!.Value, 6);
    }

    [Fact]
    public void Stable_Diffusion_models_are_calibrated_on_a_fixed_prompt_list()
    {
        var cache = Directory.CreateTempSubdirectory("hso-calibration-").FullName;
        using var pipeline = new StableDiffusionPipeline(ModelFolder.Open(Repository.TinySd), Sessions);
        using var validation = new ModelValidation(pipeline, Sessions, new ValidationSettings { Samples = 4, Measurements = 7, ReferenceSteps = 20, CacheDirectory = cache });
        var schedule = validation.Optimize(SolverKind.DpmPp2M, 3);

        Assert.Equal("reference_rmse", schedule.Validation!.Metric);
        Assert.Contains(TextConditionedPipeline.CalibrationPrompts[0], schedule.Validation.MetricDescription);
        Assert.True(schedule.Validation.Cost.ModelEvaluations <= 4L * 3 * 7);
        Assert.True(schedule.Validation.Score <= schedule.Validation.BestCandidateScore);
    }

    [Fact]
    public void A_configured_extractor_needs_reference_statistics_and_missing_files_are_named()
    {
        var noStatistics = new ModelValidation(
            Repository.DigitsPipeline, Sessions, new ValidationSettings { FeatureExtractor = Repository.DigitsPipeline.Folder.ClassifierPath, ReferenceStatistics = null });
        var folderStatistics = Repository.DigitsPipeline.Folder.ReferenceStatisticsPath;
        Assert.NotNull(folderStatistics);

        var missing = new ModelValidation(Repository.DigitsPipeline, Sessions, new ValidationSettings { FeatureExtractor = "/nonexistent/encoder.onnx" });
        var error = Assert.Throws<HsoArgumentException>(() => missing.Scorer());
        Assert.Equal("feature_extractor", error.ParamName);
        Assert.Contains("/nonexistent/encoder.onnx", error.Message);

        var badStatistics = new ModelValidation(Repository.DigitsPipeline, Sessions, new ValidationSettings { ReferenceStatistics = "/nonexistent/stats.json" });
        Assert.Equal("reference_statistics", Assert.Throws<HsoArgumentException>(() => badStatistics.Scorer()).ParamName);

        // The folder's own statistics serve a configured extractor too.
        Assert.Equal("fd", noStatistics.Scorer().Metric);
    }
}
