using System.Text.Json;
using HsoService.Inference.Evaluation;
using MathNet.Numerics.LinearAlgebra;

namespace HsoService.Inference.Validation;

/// <summary>
/// Feature statistics of a reference image set, as a JSON file (<c>count</c>, <c>mean</c>, <c>covariance</c> rows,
/// <c>source</c>): what FD compares generated samples with. Computed once per model (<c>hso reference-stats</c>) and
/// shipped beside its feature extractor.
/// </summary>
public static class ReferenceStatistics
{
    private sealed record File(string Source, int Count, double[] Mean, double[][] Covariance);

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false };

    public static FeatureStatistics Load(string path, int expectedDimension)
    {
        File? file;
        try
        {
            file = JsonSerializer.Deserialize<File>(System.IO.File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a reference statistics file ({e.Message})", e);
        }

        if (file is null || file.Mean is null || file.Covariance is null || file.Mean.Length != expectedDimension
            || file.Covariance.Length != expectedDimension || file.Covariance.Any(row => row is null || row.Length != expectedDimension) || file.Count < 2)
        {
            throw new InvalidDataException($"{path}: reference statistics must hold count >= 2, a mean of {expectedDimension} and a {expectedDimension} x {expectedDimension} covariance");
        }

        return new FeatureStatistics(
            Vector<double>.Build.DenseOfArray(file.Mean),
            Matrix<double>.Build.DenseOfRowArrays(file.Covariance),
            file.Count);
    }

    /// <summary>Writes statistics atomically (temporary file, then rename).</summary>
    public static void Save(FeatureStatistics statistics, string source, string path)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var file = new File(source, statistics.Count, statistics.Mean.ToArray(), statistics.Covariance.ToRowArrays());
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        System.IO.File.WriteAllText(temporary, JsonSerializer.Serialize(file, Json));
        System.IO.File.Move(temporary, path, overwrite: true);
    }
}
