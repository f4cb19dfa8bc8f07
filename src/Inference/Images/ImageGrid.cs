namespace HsoService.Inference.Images;

/// <summary>
/// Tiles N images (N x C x H x W) into one image of ceil(sqrt(N)) columns, with 1-pixel gaps of mid grey (0 in [-1, 1]):
/// visible between white-on-black digits and between photographs alike, where black gaps ran into black backgrounds.
/// </summary>
public static class ImageGrid
{
    /// <summary>The gaps' value in the images' [-1, 1] range: mid grey.</summary>
    public const float Gap = 0f;

    /// <summary>The grid image (C x gridHeight x gridWidth) and its size.</summary>
    public static (float[] Image, int Height, int Width) Tile(ReadOnlySpan<float> images, int count, int channels, int height, int width)
    {
        var columns = (int)Math.Ceiling(Math.Sqrt(count));
        var rows = (count + columns - 1) / columns;
        var gridHeight = rows * height + (rows - 1);
        var gridWidth = columns * width + (columns - 1);
        var grid = new float[channels * gridHeight * gridWidth];
        Array.Fill(grid, Gap);
        var size = channels * height * width;
        for (var n = 0; n < count; n++)
        {
            var top = n / columns * (height + 1);
            var left = n % columns * (width + 1);
            for (var c = 0; c < channels; c++)
            {
                for (var y = 0; y < height; y++)
                {
                    images.Slice(n * size + (c * height + y) * width, width)
                        .CopyTo(grid.AsSpan((c * gridHeight + top + y) * gridWidth + left, width));
                }
            }
        }

        return (grid, gridHeight, gridWidth);
    }
}
