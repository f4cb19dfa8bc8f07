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
    /// <summary>True when the two can be sampled in one batch: same solver, schedule, guidance scale and final step.</summary>
    public bool SamplesLike(PixelGenerationRequest other) =>
        other is not null && Solver == other.Solver && GuidanceScale.Equals(other.GuidanceScale) && FinalStep == other.FinalStep && Times.SequenceEqual(other.Times);
}
