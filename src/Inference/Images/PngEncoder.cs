using SkiaSharp;

namespace HsoService.Inference.Images;

/// <summary>
/// Encodes images stored as N x C x H x W floats in [-1, 1] to PNG with SkiaSharp: one channel as 8-bit gray, three as
/// RGB. Pixel values are round((v + 1) / 2 * 255), so equal inputs give byte-identical files.
/// </summary>
public static class PngEncoder
{
    /// <summary>PNG bytes of image <paramref name="index"/>.</summary>
    public static byte[] Encode(ReadOnlySpan<float> images, int index, int channels, int height, int width)
    {
        if (channels is not (1 or 3))
        {
            throw new ArgumentException($"PNG output supports 1 or 3 channels, got {channels}", nameof(channels));
        }

        var size = channels * height * width;
        var image = images.Slice(index * size, size);
        var info = new SKImageInfo(width, height, channels == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var pixels = bitmap.GetPixelSpan();
        var plane = height * width;
        for (var p = 0; p < plane; p++)
        {
            if (channels == 1)
            {
                pixels[p] = ToByte(image[p]);
            }
            else
            {
                pixels[4 * p] = ToByte(image[p]);
                pixels[4 * p + 1] = ToByte(image[plane + p]);
                pixels[4 * p + 2] = ToByte(image[2 * plane + p]);
                pixels[4 * p + 3] = 255;
            }
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static byte ToByte(float value) => (byte)Math.Clamp(MathF.Round((value + 1f) * 127.5f), 0f, 255f);
}
