using HsoService.Inference.Denoising;

namespace HsoService.Inference.ModelClasses.Flux;

/// <summary>
/// diffusers' FluxPipeline._pack_latents: latents [C, h, w] as (h/2)(w/2) tokens of 2x2 patches, token i (w/2) + j
/// holding feature c 4 + 2 di + dj = latent[c, 2i + di, 2j + dj].
/// </summary>
public sealed class FluxLatentPacking(int channels, int height, int width) : ILatentPacking
{
    public long[] PackedShape { get; } = [(height / 2) * (width / 2), channels * 4];

    public void Pack(ReadOnlySpan<float> latents, Span<float> packed, int rows) => Permute(latents, packed, rows, pack: true);

    public void Unpack(ReadOnlySpan<float> packed, Span<float> latents, int rows) => Permute(packed, latents, rows, pack: false);

    private void Permute(ReadOnlySpan<float> from, Span<float> to, int rows, bool pack)
    {
        var size = channels * height * width;
        var (tokensWide, features) = (width / 2, channels * 4);
        for (var row = 0; row < rows; row++)
        {
            var offset = row * size;
            for (var c = 0; c < channels; c++)
            {
                for (var y = 0; y < height; y++)
                {
                    for (var x = 0; x < width; x++)
                    {
                        var latent = offset + ((c * height) + y) * width + x;
                        var token = offset + ((((y / 2) * tokensWide) + (x / 2)) * features) + (c * 4) + ((y % 2) * 2) + (x % 2);
                        if (pack)
                        {
                            to[token] = from[latent];
                        }
                        else
                        {
                            to[latent] = from[token];
                        }
                    }
                }
            }
        }
    }
}
