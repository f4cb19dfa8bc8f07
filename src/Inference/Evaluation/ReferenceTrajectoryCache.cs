using HsoService.Inference.ModelClasses.ClassConditionalPixel;
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
        var n = pipeline.Noise.TrainSteps;
        return GetOrCompute(
            Key(pipeline.UnetPath, $"{pipeline.Noise.Hash}|{seed}|{steps}|{string.Join(',', labels)}"),
            labels.Count * pipeline.ImageSize,
            () => pipeline.Generate(SolverKind.Ddim, ReferenceTimes(n, steps), labels, 1.0, seed, onStep: onStep, cancellationToken: cancellationToken),
            directory,
            out computed);
    }

    /// <summary>
    /// The cached array under <paramref name="key"/> when it exists with <paramref name="size"/> values, else
    /// <paramref name="compute"/>'s result, stored for next time.
    /// </summary>
    public static float[] GetOrCompute(string key, int size, Func<float[]> compute, string directory, out bool computed)
    {
        ArgumentNullException.ThrowIfNull(compute);
        var path = Path.Combine(directory, $"reference-{key}.f32");
        if (File.Exists(path) && new FileInfo(path).Length == size * (long)sizeof(float))
        {
            computed = false;
            var cached = new float[size];
            using var stream = File.OpenRead(path);
            stream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(cached.AsSpan()));
            return cached;
        }

        var values = compute();
        if (values.Length != size)
        {
            throw new InvalidOperationException($"reference computed {values.Length} values, expected {size}");
        }

        Directory.CreateDirectory(directory);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        File.Move(temporary, path, overwrite: true);
        computed = true;
        return values;
    }

    /// <summary>DDIM times over the trained grid t = (k + 1)/N, every (N/steps)-th step from k = N - 1 down to 0.</summary>
    public static double[] ReferenceTimes(int trainSteps, int steps) =>
        [.. Enumerable.Range(0, Math.Min(steps, trainSteps)).Select(j => (trainSteps - (long)j * trainSteps / steps) / (double)trainSteps)];

    /// <summary>A cache key from the network file's contents and a description of everything else the run depends on.</summary>
    public static string Key(string networkPath, string settings)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var network = File.OpenRead(networkPath))
        {
            hash.AppendData(SHA256.HashData(network));
        }

        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(settings));
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..20];
    }
}
