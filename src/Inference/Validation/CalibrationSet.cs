using HsoService.Inference.Pipelines;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Validation;

/// <summary>
/// The fixed set of samples a validated search measures every schedule on: K noises from one seed and the same
/// conditioning each time (class labels cycling through the classes, or prompts from a fixed list), so scores of
/// different schedules differ only by the schedule.
/// </summary>
public abstract class CalibrationSet(DiffusionPipeline pipeline, int count, long seed)
{
    public DiffusionPipeline Pipeline => pipeline;

    /// <summary>Samples per measurement (K).</summary>
    public int Count => count;

    public long Seed => seed;

    /// <summary>Channels, height and width of one output sample.</summary>
    public abstract int[] SampleShape { get; }

    /// <summary>Text that identifies the conditioning, for cache keys.</summary>
    public abstract string Conditioning { get; }

    /// <summary>All K samples (K x C x H x W in [-1, 1]) from the solver over the times.</summary>
    public abstract float[] Generate(SolverKind solver, IReadOnlyList<double> times, Action<int>? onStep, CancellationToken cancellationToken);

    /// <summary>The calibration set of a pipeline: labels for class-conditional pixel models, prompts for Stable Diffusion.</summary>
    public static CalibrationSet For(DiffusionPipeline pipeline, int count, long seed)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        if (count < 2)
        {
            throw new HsoService.Optimization.HsoArgumentException($"calibration needs at least 2 samples, got {count}", "samples");
        }

        return pipeline switch
        {
            PixelDiffusionPipeline pixel => new PixelCalibrationSet(pixel, count, seed),
            StableDiffusionPipeline text => new TextCalibrationSet(text, count, seed),
            _ => throw new InvalidOperationException($"no calibration set for pipeline {pipeline.Kind}"),
        };
    }
}

/// <summary>Class-conditional calibration samples: sample i has label i mod classes (guidance 1).</summary>
public sealed class PixelCalibrationSet(PixelDiffusionPipeline pipeline, int count, long seed) : CalibrationSet(pipeline, count, seed)
{
    private readonly int?[] _labels = [.. Enumerable.Range(0, count).Select(i => (int?)(i % Math.Max(pipeline.Folder.NumClasses, 1)))];

    public override int[] SampleShape => [pipeline.Folder.Channels, pipeline.Folder.SampleSize, pipeline.Folder.SampleSize];

    public override string Conditioning => $"labels mod {pipeline.Folder.NumClasses}";

    public override float[] Generate(SolverKind solver, IReadOnlyList<double> times, Action<int>? onStep, CancellationToken cancellationToken) =>
        pipeline.Generate(new PixelGenerationRequest(solver, times, _labels, 1.0, Seed), onStep, cancellationToken);

    /// <summary>The set's samples by DDIM over the times, every evaluated point handed on (<see cref="PixelDiffusionPipeline.Trace"/>).</summary>
    public float[] Trace(IReadOnlyList<double> times, Action<int, int, float[], float[]> onPoint, CancellationToken cancellationToken) =>
        pipeline.Trace(new PixelGenerationRequest(SolverKind.Ddim, times, _labels, 1.0, Seed), onPoint, cancellationToken);
}

/// <summary>Text-to-image calibration samples: prompts from a fixed list in turn, guidance 7.5, the model's sample size.</summary>
public sealed class TextCalibrationSet(StableDiffusionPipeline pipeline, int count, long seed) : CalibrationSet(pipeline, count, seed)
{
    /// <summary>The prompts, used in turn.</summary>
    public static readonly IReadOnlyList<string> Prompts =
    [
        "a photograph of a cat sitting on a windowsill",
        "a watercolor painting of a mountain lake at dawn",
        "a red bicycle leaning against a brick wall",
        "a bowl of fruit on a wooden table, studio lighting",
    ];

    private const double Guidance = 7.5;

    private int Side => pipeline.Folder.SampleSize;

    public override int[] SampleShape => [3, Side, Side];

    public override string Conditioning => $"prompts {string.Join('|', Prompts)} guidance {Guidance}";

    public override float[] Generate(SolverKind solver, IReadOnlyList<double> times, Action<int>? onStep, CancellationToken cancellationToken)
    {
        var size = 3 * Side * Side;
        var samples = new float[Count * size];
        for (var i = 0; i < Count; i++)
        {
            // One at a time: sample i takes prompt i mod P and seed Seed + i, so no two prompts share a batch's seeds.
            var one = pipeline.Generate(new TextGenerationRequest(solver, times, Prompts[i % Prompts.Count], "", Side, Side, 1, Guidance, Seed + i), null, cancellationToken);
            one.CopyTo(samples, i * size);
            onStep?.Invoke((i + 1) * times.Count);
        }

        return samples;
    }
}
