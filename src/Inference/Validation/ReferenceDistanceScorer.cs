namespace HsoService.Inference.Validation;

/// <summary>
/// The fallback score for a model without a feature extractor: RMSE in output space between the K calibration
/// samples and the end of a long reference run (DDIM through the trained steps) from the same noise. It measures
/// faithfulness to the model's own long run, not realism, and favours blur; results say so.
/// </summary>
public sealed class ReferenceDistanceScorer(CalibrationSet samples, float[] reference, int referenceSteps) : CalibrationScorer(samples)
{
    public override string Metric => "reference_rmse";

    public override string Description =>
        $"RMSE between {Samples} samples (seed {Seed}, {Set.Conditioning}) and DDIM through {referenceSteps} steps from the same noise";

    protected override double Measure(float[] generated, CancellationToken cancellationToken)
    {
        if (generated.Length != reference.Length)
        {
            throw new InvalidOperationException($"reference has {reference.Length} values, samples {generated.Length}");
        }

        var squared = 0.0;
        for (var i = 0; i < generated.Length; i++)
        {
            var difference = generated[i] - reference[i];
            squared += difference * difference;
        }

        return Math.Sqrt(squared / generated.Length);
    }
}
