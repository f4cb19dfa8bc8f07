using HsoService.Optimization.Statistics;
using HsoService.Inference.Evaluation;
using HsoService.Optimization.Families;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Tests.Evaluation;

public sealed class EvaluationTests : IDisposable
{
    private readonly DirectoryInfo _cache = Directory.CreateTempSubdirectory("hso-eval-");

    public void Dispose() => _cache.Delete(recursive: true);

    [Fact]
    public void Frechet_distance_of_one_dimensional_gaussians_matches_the_closed_form()
    {
        // Samples [-1, 1] and [-1, 3]: means 0 and 1, unbiased variances 2 and 8, so FD = 1 + 2 + 8 - 2 sqrt(2 * 8) = 3.
        float[] a = [-1f, 1f];
        float[] b = [-1f, 3f];
        var statsA = FeatureStatistics.From(a, 2, 1);
        var statsB = FeatureStatistics.From(b, 2, 1);
        Assert.Equal(2.0, statsA.Covariance[0, 0], 12);
        Assert.Equal(8.0, statsB.Covariance[0, 0], 12);
        Assert.Equal(3.0, FrechetDistance.Compute(statsA, statsB), 9);
        Assert.Equal(0.0, FrechetDistance.Compute(statsA, statsA), 9);
    }

    [Fact]
    public void Frechet_distance_grows_with_a_shift_of_the_mean()
    {
        var random = new Random(1);
        var features = new float[500 * 4];
        for (var i = 0; i < features.Length; i++)
        {
            features[i] = (float)random.NextDouble();
        }

        var shifted = features.Select(v => v + 0.5f).ToArray();
        var a = FeatureStatistics.From(features, 500, 4);
        var b = FeatureStatistics.From(shifted, 500, 4);
        Assert.Equal(4 * 0.25, FrechetDistance.Compute(a, b), 4);
    }

    [Theory]
    [InlineData(new[] { 1.0, 2, 3, 4 }, new[] { 10.0, 20, 30, 40 }, 1.0)]
    [InlineData(new[] { 1.0, 2, 3, 4 }, new[] { 4.0, 3, 2, 1 }, -1.0)]
    [InlineData(new[] { 1.0, 2, 3, 4, 5 }, new[] { 2.0, 1, 4, 3, 5 }, 0.8)]
    [InlineData(new[] { 1.0, 1, 2 }, new[] { 1.0, 2, 3 }, 0.8660254)]
    public void Spearman_correlation_matches_hand_computed_values(double[] a, double[] b, double expected) =>
        Assert.Equal(expected, SpearmanCorrelation.Compute(a, b), 6);

    [Fact]
    public void Digits_dataset_has_1797_labelled_images_in_range()
    {
        var data = DigitsDataset.Load(Repository.DigitsData);
        Assert.Equal(1797, data.Count);
        Assert.Equal(1797 * 256, data.Images.Length);
        Assert.All(data.Images, v => Assert.InRange(v, -1f, 1f));
        Assert.Equal(Enumerable.Range(0, 10), data.Labels.Distinct().Order());
    }

    [Fact]
    public void The_default_reference_runs_ddim_through_all_1000_trained_steps()
    {
        var pipeline = Repository.DigitsPipeline;
        var steps = 0;
        var reference = ReferenceTrajectoryCache.Get(pipeline, [3], seed: 9, steps: 1000, _cache.FullName, out var computed, _ => steps++);
        Assert.True(computed);
        Assert.Equal(1000, steps); // 999 steps on the grid, then the final jump to x0 at t = 1/N
        Assert.Equal(256, reference.Length);
        Assert.Equal(3, pipeline.Classifier!.Classify(reference, 1).Labels[0]);
    }

    [Fact]
    public void Evaluator_scores_schedules_and_caches_the_reference_on_disk()
    {
        var pipeline = Repository.DigitsPipeline;
        var options = new EvaluationOptions { Samples = 200, ReferenceSamples = 8, ReferenceSteps = 100, CacheDirectory = _cache.FullName, Seed = 5 };
        var data = DigitsDataset.Load(Repository.DigitsData);
        var evaluator = new DigitsEvaluator(pipeline, data, options);
        evaluator.EnsureReference();
        Assert.True(evaluator.ReferenceComputed);
        var file = Assert.Single(_cache.GetFiles());
        Assert.Equal(8 * 256 * sizeof(float), file.Length);

        var again = new DigitsEvaluator(pipeline, data, options);
        again.EnsureReference();
        Assert.False(again.ReferenceComputed);

        var coarse = evaluator.Evaluate(SolverKind.Ddim, ScheduleFamilies.Build(pipeline.Noise, "uniform_t", SolverKind.Ddim, 3).T);
        var fine = evaluator.Evaluate(SolverKind.UniPc, ScheduleFamilies.Build(pipeline.Noise, "uniform_lambda", SolverKind.UniPc, 10).T);
        Assert.Equal(200, fine.Samples);
        Assert.True(fine.Rmse < coarse.Rmse, $"rmse {fine.Rmse} (unipc 10) vs {coarse.Rmse} (ddim 3)");
        Assert.True(fine.Fd < coarse.Fd, $"fd {fine.Fd} vs {coarse.Fd}");
        Assert.InRange(fine.Agreement, 0.9, 1.0);
    }
}
