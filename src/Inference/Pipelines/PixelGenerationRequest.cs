using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Pipelines;

/// <summary>
/// A batch of class-conditional pixel images: one label per image (null = unconditional), the solver and schedule,
/// guidance scale (1 = the conditional prediction alone), and the seed of image 0 (image i uses seed + i), and how the
/// sampler finishes the schedule.
/// </summary>
public sealed record PixelGenerationRequest(
    SolverKind Solver,
    IReadOnlyList<double> Times,
    IReadOnlyList<int?> Labels,
    double GuidanceScale,
    long Seed,
    FinalStep FinalStep = FinalStep.ToZero)
{
    /// <summary>The <see cref="SamplingShape"/>: requests with equal shapes can be sampled in one batch.</summary>
    public string Shape => SamplingShape.Of(Solver, Times, GuidanceScale, FinalStep, 0, 0);
}
