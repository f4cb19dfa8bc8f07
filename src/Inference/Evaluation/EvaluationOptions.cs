namespace HsoService.Inference.Evaluation;

/// <summary>
/// How schedules are measured on a pixel model: <see cref="Samples"/> images (labels cycling through the real labels),
/// seed of image 0, guidance scale, and the reference for RMSE: DDIM through every trained step
/// (<see cref="ReferenceSteps"/>) on the first <see cref="ReferenceSamples"/> images from the same noise, cached in
/// <see cref="CacheDirectory"/>.
/// </summary>
public sealed record EvaluationOptions
{
    public int Samples { get; init; } = 1797;
    public long Seed { get; init; } = 1234;
    public double GuidanceScale { get; init; } = 1.0;
    public int ReferenceSamples { get; init; } = 128;
    public int ReferenceSteps { get; init; } = 1000;
    public string CacheDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "hso-cache");

    /// <summary>How every schedule is finished (the service's default unless measuring the conventions).</summary>
    public HsoService.Optimization.Schedules.FinalStep FinalStep { get; init; }
}
