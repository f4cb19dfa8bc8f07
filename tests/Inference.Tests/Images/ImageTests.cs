using HsoService.Inference.Images;
using SkiaSharp;

namespace HsoService.Inference.Tests.Images;

public class ImageTests
{
    [Fact]
    public void Gray_png_maps_minus_one_to_black_and_one_to_white()
    {
        float[] image = [-1f, 1f, 0f, 0.5f];
        using var bitmap = SKBitmap.Decode(PngEncoder.Encode(image, 0, 1, 2, 2));
        Assert.Equal(2, bitmap.Width);
        Assert.Equal(0, bitmap.GetPixel(0, 0).Red);
        Assert.Equal(255, bitmap.GetPixel(1, 0).Red);
        Assert.Equal(128, bitmap.GetPixel(0, 1).Red);
        Assert.Equal(191, bitmap.GetPixel(1, 1).Red);
    }

    [Fact]
    public void Grid_tiles_images_in_rows_with_a_gap()
    {
        var images = new float[5 * 2 * 2];
        for (var n = 0; n < 5; n++)
        {
            Array.Fill(images, 0.5f + (n / 10f), n * 4, 4);
        }

        var (grid, height, width) = ImageGrid.Tile(images, 5, 1, 2, 2);
        Assert.Equal(2 * 2 + 1, height); // 3 columns, 2 rows
        Assert.Equal(3 * 2 + 2, width);
        Assert.Equal(0.9f, grid[3 * width + 3]); // image 4: row 1, column 1
        // The gaps are mid grey, so they show against black backgrounds (digits) and white ones.
        Assert.Equal(0f, grid[2]);
        Assert.Equal(0f, grid[2 * width]);
    }
}
