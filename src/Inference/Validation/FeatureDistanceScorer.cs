using HsoService.Inference.Evaluation;

namespace HsoService.Inference.Validation;

/// <summary>
/// FD between the encoder's features of the K calibration samples and the reference statistics: the score that
/// tracks sample quality (per-sample distance to a teacher rewards blur).
/// </summary>
public sealed class FeatureDistanceScorer(CalibrationSet samples, FeatureEncoder encoder, FeatureStatistics reference, string referenceName)
    : CalibrationScorer(samples)
{
    public override string Metric => "fd";

    public override string Description =>
        $"Frechet distance between {encoder.Name} features of {Samples} samples (seed {Seed}, {Set.Conditioning}) and {referenceName} ({reference.Count} images)";

    protected override double Measure(float[] generated, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var features = encoder.Encode(generated, Samples, Set.SampleShape);
        return FrechetDistance.Compute(FeatureStatistics.From(features, Samples, encoder.FeatureCount), reference);
    }
}
