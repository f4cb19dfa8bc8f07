using System.Security.Cryptography;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Evaluation;

/// <summary>
/// The end points of long reference runs (DDIM through every trained step, from the same noise and labels as the
/// evaluated samples), computed once and kept on disk keyed by the unet file, the noise schedule, seed, labels and
/// step count. Files are written to a temporary name and renamed, so a crash never leaves a partial entry.
/// </summary>
public static class ReferenceTrajectoryCache
{
    /// <summary>Reference images (count x image size) for the given labels and seed; <paramref name="computed"/> says whether this call made them.</summary>
    public static float[] Get(
        PixelDiffusionPipeline pipeline,
        IReadOnlyList<int?> labels,
        long seed,
        int steps,
        string directory,
        out bool computed,
        Action<int>? onStep = null,
        CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(directory, $"reference-{Key(pipeline, labels, seed, steps)}.f32");
        var size = labels.Count * pipeline.ImageSize;
        if (File.Exists(path) && new FileInfo(path).Length == size * sizeof(float))
        {
            computed = false;
            var cached = new float[size];
            using var stream = File.OpenRead(path);
            stream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(cached.AsSpan()));
            return cached;
        }

        var n = pipeline.Noise.TrainSteps;
        var times = Enumerable.Range(0, Math.Min(steps, n)).Select(j => ReferenceTime(n, steps, j)).ToArray();
        var images = pipeline.Generate(new PixelGenerationRequest(SolverKind.Ddim, times, labels, 1.0, seed), onStep, cancellationToken);
        Directory.CreateDirectory(directory);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, System.Runtime.InteropServices.MemoryMarshal.AsBytes(images.AsSpan()).ToArray());
        File.Move(temporary, path, overwrite: true);
        computed = true;
        return images;
    }

    // DDIM over the trained grid t = (k + 1)/N, every (N/steps)-th step, from k = N - 1 down to 0.
    private static double ReferenceTime(int trainSteps, int steps, int j) =>
        (trainSteps - (long)j * trainSteps / steps) / (double)trainSteps;

    private static string Key(PixelDiffusionPipeline pipeline, IReadOnlyList<int?> labels, long seed, int steps)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var unet = File.OpenRead(pipeline.Folder.UnetPath))
        {
            hash.AppendData(SHA256.HashData(unet));
        }

        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{pipeline.Noise.Hash}|{seed}|{steps}|{string.Join(',', labels)}"));
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..20];
    }
}
