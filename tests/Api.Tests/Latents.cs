using System.Text.Json;

namespace HsoService.Api.Tests;

/// <summary>The wire form of /generate's <c>latents</c>: little-endian float32, base64.</summary>
internal static class Latents
{
    public static string Base64(IReadOnlyList<float> values)
    {
        var bytes = new byte[values.Count * 4];
        for (var i = 0; i < values.Count; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return Convert.ToBase64String(bytes);
    }

    /// <summary>A reference.json array of numbers (a case's noise) in the wire form.</summary>
    public static string Base64(JsonElement array) => Base64([.. array.EnumerateArray().Select(v => v.GetSingle())]);
}
