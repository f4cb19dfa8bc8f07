namespace HsoService.Inference.Denoising;

/// <summary>
/// A diffusion network bound to one request's conditioning (labels, text embeddings, guidance): given a batch of noisy
/// samples x at continuous time t, it writes the network output (of type <see cref="PredictionType"/>) into
/// the output buffer. Samplers only ever see this interface.
/// </summary>
public interface IDenoiser
{
    /// <summary>What <see cref="Predict"/> writes.</summary>
    PredictionType PredictionType { get; }

    /// <summary>Samples in the batch.</summary>
    int BatchSize { get; }

    /// <summary>Elements per sample (channels x height x width).</summary>
    int SampleSize { get; }

    /// <summary>
    /// When true, the network only accepts trained discrete timesteps, so a sampler must move on the grid
    /// t = (k + 1) / N (see <see cref="Optimization.Schedules.ScheduleSnapping"/>).
    /// </summary>
    bool DiscreteTime { get; }

    /// <summary>Evaluates the network on x (BatchSize x SampleSize values) at continuous time t.</summary>
    void Predict(ReadOnlySpan<float> x, double t, Span<float> output);
}
