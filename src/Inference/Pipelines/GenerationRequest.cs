using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Pipelines;

/// <summary>
/// Images to sample with one conditioning: the solver and its schedule times, the class's parsed conditioning,
/// <paramref name="Count"/> images with seeds Seed, Seed + 1, ..., the guidance scale (1 = the conditional prediction
/// alone), how the sampler finishes the schedule, and optionally the initial noise itself (<paramref name="Latents"/>:
/// unscaled N(0, 1) in the model's latent layout, Count x C x h x w, as diffusers' <c>latents=</c> takes it), which
/// then replaces the seeds' noise.
/// </summary>
public sealed record GenerationRequest(
    SolverKind Solver,
    IReadOnlyList<double> Times,
    ImageConditioning Conditioning,
    int Count,
    double GuidanceScale,
    long Seed,
    FinalStep FinalStep = FinalStep.ToZero,
    float[]? Latents = null)
{
    /// <summary>The <see cref="SamplingShape"/>: requests with equal shapes can be sampled in one batch.</summary>
    public string Shape => SamplingShape.Of(Solver, Times, GuidanceScale, FinalStep, Conditioning.Width, Conditioning.Height);
}
