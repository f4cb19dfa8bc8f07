namespace HsoService.Inference.Denoising;

/// <summary>
/// A network that takes the latents in another layout than the sampler integrates (Flux: 2x2 patches as tokens). The
/// layout is a permutation, so the ODE is the same in either; the denoiser packs each input and unpacks each output.
/// </summary>
public interface ILatentPacking
{
    /// <summary>One sample's shape as the network takes it (tokens, features).</summary>
    long[] PackedShape { get; }

    /// <summary>Packs <paramref name="rows"/> samples of the latent layout into the network's.</summary>
    void Pack(ReadOnlySpan<float> latents, Span<float> packed, int rows);

    /// <summary>The inverse of <see cref="Pack"/>.</summary>
    void Unpack(ReadOnlySpan<float> packed, Span<float> latents, int rows);
}
