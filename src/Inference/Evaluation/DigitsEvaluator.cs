using HsoService.Inference.ModelClasses.ClassConditionalPixel;
using HsoService.Optimization;
using System.Diagnostics;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Evaluation;

/// <summary>
/// Measures schedules on a class-conditional pixel model with a classifier: FD between the classifier features of the
/// generated images and of the real dataset, RMSE against a cached long reference run from the same noise, and label
/// agreement. Real-feature statistics and the reference are computed once per evaluator.
/// </summary>
public sealed class DigitsEvaluator
{
    private readonly PixelDiffusionPipeline _pipeline;
    private readonly ImageClassifier _classifier;
    private readonly EvaluationOptions _options;
    private readonly int?[] _labels;
    private readonly Lazy<FeatureStatistics> _real;
    private float[]? _reference;

    public DigitsEvaluator(PixelDiffusionPipeline pipeline, DigitsDataset dataset, EvaluationOptions options)
    {
        _pipeline = pipeline;
        _classifier = pipeline.Classifier
            ?? throw new HsoArgumentException($"model '{pipeline.Folder.Root}' has no classifier/model.onnx to measure FD with", "model");
        _options = options;
        if (options.Samples < 2 || options.ReferenceSamples < 1 || options.ReferenceSamples > options.Samples)
        {
            throw new HsoArgumentException($"need 2 <= samples ({options.Samples}) and 1 <= reference samples ({options.ReferenceSamples}) <= samples", "n");
        }

        _labels = Enumerable.Range(0, options.Samples).Select(i => (int?)dataset.Labels[i % dataset.Count]).ToArray();
        _real = new(() =>
        {
            var (features, _) = _classifier.Classify(dataset.Images, dataset.Count);
            return FeatureStatistics.From(features, dataset.Count, _classifier.FeatureCount);
        });
    }

    /// <summary>True when the last <see cref="EnsureReference"/> computed the reference instead of reading the cache.</summary>
    public bool ReferenceComputed { get; private set; }

    /// <summary>Loads or computes the reference run (about ReferenceSamples x ReferenceSteps model evaluations when not cached).</summary>
    public void EnsureReference(Action<int>? onStep = null, CancellationToken cancellationToken = default)
    {
        if (_reference is not null)
        {
            return;
        }

        _reference = ReferenceTrajectoryCache.Get(
            _pipeline, _labels[.._options.ReferenceSamples], _options.Seed, _options.ReferenceSteps, _options.CacheDirectory, out var computed, onStep, cancellationToken);
        ReferenceComputed = computed;
    }

    public ScheduleEvaluation Evaluate(SolverKind solver, IReadOnlyList<double> times, Action<int>? onStep = null, CancellationToken cancellationToken = default)
    {
        EnsureReference(null, cancellationToken);
        var stopwatch = Stopwatch.StartNew();
        var images = _pipeline.Generate(solver, times, _labels, _options.GuidanceScale, _options.Seed, _options.FinalStep, onStep, cancellationToken);
        var (features, predicted) = _classifier.Classify(images, _labels.Length);
        var fd = FrechetDistance.Compute(FeatureStatistics.From(features, _labels.Length, _classifier.FeatureCount), _real.Value);

        var referenceSize = _reference!.Length;
        var squared = 0.0;
        for (var i = 0; i < referenceSize; i++)
        {
            var difference = images[i] - _reference[i];
            squared += difference * difference;
        }

        var agreement = predicted.Where((label, i) => label == _labels[i]).Count() / (double)_labels.Length;
        return new ScheduleEvaluation(fd, Math.Sqrt(squared / referenceSize), agreement, _labels.Length, stopwatch.Elapsed.TotalSeconds, QuarterFds(features));
    }

    // The same FD on each quarter of the samples: every schedule of a run shares the noise, so quarter q of one
    // schedule and quarter q of another compare like with like.
    private double[] QuarterFds(float[] features)
    {
        var count = _labels.Length;
        if (count < 2 * Separation.Parts)
        {
            return [];
        }

        var dimension = _classifier.FeatureCount;
        return [.. Enumerable.Range(0, Separation.Parts).Select(part =>
        {
            var (start, end) = (part * count / Separation.Parts, (part + 1) * count / Separation.Parts);
            return FrechetDistance.Compute(FeatureStatistics.From(features.AsSpan(start * dimension, (end - start) * dimension), end - start, dimension), _real.Value);
        })];
    }
}
