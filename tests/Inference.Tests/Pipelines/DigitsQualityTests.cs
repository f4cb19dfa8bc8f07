using HsoService.Inference.Evaluation;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Families;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Tests.Pipelines;

/// <summary>Sample quality of the shipped model through our own samplers: minutes of CPU, so each test runs once.</summary>
public class DigitsQualityTests
{
    private static IReadOnlyList<double> DdimTrailing50 =>
        ScheduleFamilies.Build(Repository.DigitsPipeline.Noise, "uniform_t:trailing", SolverKind.Ddim, 50).T;

    [Fact]
    public void Unconditional_ddim_50_steps_reaches_fd_digits_below_6_on_1797_samples()
    {
        var pipeline = Repository.DigitsPipeline;
        var data = DigitsDataset.Load(Repository.DigitsData);
        var classifier = pipeline.Classifier!;
        var (realFeatures, _) = classifier.Classify(data.Images, data.Count);
        var real = FeatureStatistics.From(realFeatures, data.Count, classifier.FeatureCount);

        var labels = new int?[data.Count];
        var images = pipeline.Generate(SolverKind.Ddim, DdimTrailing50, labels, 1.0, seed: 20_000);
        var (features, _) = classifier.Classify(images, data.Count);
        var fd = FrechetDistance.Compute(FeatureStatistics.From(features, data.Count, classifier.FeatureCount), real);

        Assert.InRange(fd, 0, 6);
    }

    [Fact]
    public void Class_conditional_samples_are_classified_as_their_label()
    {
        var pipeline = Repository.DigitsPipeline;
        var labels = Enumerable.Range(0, 500).Select(i => (int?)(i % 10)).ToArray();
        var images = pipeline.Generate(SolverKind.Ddim, DdimTrailing50, labels, 1.0, seed: 30_000);
        var (_, predicted) = pipeline.Classifier!.Classify(images, labels.Length);

        var agreement = predicted.Where((label, i) => label == labels[i]).Count() / (double)labels.Length;
        Assert.True(agreement >= 0.95, $"classifier agrees on {agreement:P1}");
    }
}
