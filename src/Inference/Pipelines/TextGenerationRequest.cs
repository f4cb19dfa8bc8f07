using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Pipelines;

/// <summary>
/// A batch of text-to-image samples: prompt and negative prompt (the unconditional half of guidance), image size in
/// pixels (multiples of 8), count, guidance scale and the seed of image 0 (image i uses seed + i), and how the
/// sampler finishes the schedule.
/// </summary>
public sealed record TextGenerationRequest(
    SolverKind Solver,
    IReadOnlyList<double> Times,
    string Prompt,
    string NegativePrompt,
    int Width,
    int Height,
    int Count,
    double GuidanceScale,
    long Seed,
    FinalStep FinalStep = FinalStep.ToZero)
{
    /// <summary>The <see cref="SamplingShape"/>: requests with equal shapes can be sampled in one batch.</summary>
    public string Shape => SamplingShape.Of(Solver, Times, GuidanceScale, FinalStep, Width, Height);
}
