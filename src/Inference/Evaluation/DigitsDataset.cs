using System.Globalization;
using System.IO.Compression;

namespace HsoService.Inference.Evaluation;

/// <summary>
/// The digits training set as shipped in <c>data/digits16.csv.gz</c>: a header, then one row per image,
/// <c>label,p0..p255</c> with uint8 pixels of a 16 x 16 image; the model saw v / 255 * 2 - 1.
/// </summary>
public sealed record DigitsDataset(float[] Images, int[] Labels)
{
    public const int Side = 16;
    public const int Pixels = Side * Side;

    public int Count => Labels.Length;

    public static DigitsDataset Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"digits dataset '{path}' does not exist", path);
        }

        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(stream);
        _ = reader.ReadLine();
        var images = new List<float>();
        var labels = new List<int>();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var fields = line.Split(',');
            if (fields.Length != Pixels + 1)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: expected {Pixels + 1} fields, found {fields.Length}");
            }

            labels.Add(int.Parse(fields[0], CultureInfo.InvariantCulture));
            for (var i = 1; i <= Pixels; i++)
            {
                images.Add(byte.Parse(fields[i], CultureInfo.InvariantCulture) / 255f * 2f - 1f);
            }
        }

        return new DigitsDataset([.. images], [.. labels]);
    }
}
