using HsoService.Inference.Pipelines;
using HsoService.Optimization;

namespace HsoService.Api.Generation;

/// <summary>
/// The <c>latents</c> field: base64 of little-endian float32 values, n x C x h x w of them in the model's latent layout
/// (diffusers' <c>latents=</c>, unscaled N(0, 1)). Its byte length is checked against the request here, so a wrong
/// size is refused naming the shape and the bytes it must have.
/// </summary>
public static class LatentInput
{
    public static float[] Parse(string base64, int count, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(base64);
        ArgumentNullException.ThrowIfNull(shape);
        var expected = (long)count * shape.Aggregate(1, (a, b) => a * b);
        var layout = $"[{count}, {string.Join(", ", shape)}] = {expected} float32 values, {expected * 4} bytes";
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new HsoArgumentException($"latents must be base64 of little-endian float32 values ({layout})", "latents");
        }

        if (bytes.Length != expected * 4)
        {
            throw new HsoArgumentException($"latents must hold {layout}; got {bytes.Length} bytes", "latents");
        }

        // Finite values are the pipeline's check, as for every caller.
        return LatentBytes.ToFloats(bytes);
    }
}
