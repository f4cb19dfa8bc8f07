using HsoService.Inference.ModelClasses.ClassConditionalPixel;
using HsoService.Inference.Evaluation;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Validation;

namespace HsoService.Bench;

/// <summary>
/// The held-out FD of <c>hso evaluate</c> as scorers over the shipped model: its classifier's features, the 1797 real
/// images' statistics, and one scorer per seed on the real labels (<see cref="HeldOutSet"/>). Scores are remembered
/// per scorer, so a schedule measured twice on a seed costs once.
/// </summary>
public sealed class HeldOutScorers : IDisposable
{
    public const string ModelPath = "models/digits16-ddpm";
    public const string DataPath = "data/digits16.csv.gz";
    public const int Samples = 1797;

    private readonly PixelDiffusionPipeline _pipeline;
    private readonly FeatureEncoder _encoder;
    private readonly DigitsDataset _dataset;
    private readonly FeatureStatistics _real;

    public HeldOutScorers(PixelDiffusionPipeline pipeline, OnnxSessionFactory sessions)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(sessions);
        _pipeline = pipeline;
        var classifierPath = pipeline.Folder.ClassifierPath ?? throw new InvalidOperationException($"{ModelPath} has no classifier");
        _encoder = new FeatureEncoder(sessions.Open(classifierPath, "classifier/model.onnx"));
        _dataset = DigitsDataset.Load(DataPath);
        _real = FeatureStatistics.From(_encoder.Encode(_dataset.Images, _dataset.Count, [1, DigitsDataset.Side, DigitsDataset.Side]), _dataset.Count, _encoder.FeatureCount);
    }

    /// <summary>The held-out FD of <paramref name="samples"/> samples from <paramref name="seed"/>.</summary>
    public FeatureDistanceScorer For(long seed, int samples = Samples) =>
        new(HeldOutSet.Create(_pipeline, _dataset, samples, seed), _encoder, _real, "the 1797 real images");

    public void Dispose() => _encoder.Dispose();
}
