using System.Buffers.Binary;

namespace HsoService.Inference.Pipelines;

/// <summary>
/// Initial latents as bytes: little-endian float32, the form numpy's <c>tofile</c> and the API's base64 <c>latents</c>
/// carry. Only the conversion: their count and values are checked by <see cref="DiffusionPipeline.Validate"/>.
/// </summary>
public static class LatentBytes
{
    /// <summary>The floats of <paramref name="bytes"/> (a whole number of float32 values).</summary>
    public static float[] ToFloats(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new ArgumentException($"{bytes.Length} bytes are not a whole number of float32 values", nameof(bytes));
        }

        var values = new float[bytes.Length / sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * sizeof(float), sizeof(float)));
        }

        return values;
    }
}
