namespace HsoService.Inference.Denoising;

/// <summary>
/// A diffusion network bound to one batch's conditioning (labels, text embeddings, guidance), seen as k-diffusion
/// sees it: given noisy samples x at continuous time t, it returns the data prediction x0. The network's own
/// prediction type (epsilon, v, sample) is converted once, inside the denoiser, where its output is read; samplers
/// only ever see x0 (and, for the few that step on it, eps from the same conversion).
/// </summary>
public interface IDenoiser
{
    /// <summary>Samples in the batch.</summary>
    int BatchSize { get; }

    /// <summary>Elements per sample (channels x height x width).</summary>
    int SampleSize { get; }

    /// <summary>
    /// When true, the network only accepts trained discrete timesteps, so a sampler must move on the grid
    /// t = (k + 1) / N (see <see cref="Optimization.Schedules.ScheduleSnapping"/>).
    /// </summary>
    bool DiscreteTime { get; }

    /// <summary>
    /// Evaluates the network on x (BatchSize x SampleSize values) at continuous time t and writes the data prediction
    /// x0 into <paramref name="data"/>; when <paramref name="noise"/> is not empty, also the noise prediction eps,
    /// converted from the same network output (for an epsilon network, its output itself). Neither may overlap x.
    /// </summary>
    void Predict(ReadOnlySpan<float> x, double t, Span<float> data, Span<float> noise);
}
