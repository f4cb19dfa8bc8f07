using HsoService.Inference.Pipelines;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Validation;

/// <summary>
/// The fixed set of samples a validated search measures every schedule on: K noises from one seed (sample i has seed
/// Seed + i) and the same conditioning each time, the model class's calibration draw (class labels cycling through
/// the classes, or prompts from a fixed list, at the class's calibration guidance), so scores of different schedules
/// differ only by the schedule.
/// </summary>
public sealed class CalibrationSet
{
    private readonly IReadOnlyList<ImageConditioning> _conditioning;
    private readonly double _guidance;

    /// <summary>The model class's calibration draw of <paramref name="count"/> samples.</summary>
    public CalibrationSet(DiffusionPipeline pipeline, int count, long seed)
        : this(pipeline, Draw(pipeline, count), seed, pipeline.CalibrationGuidance, pipeline.CalibrationDescription)
    {
    }

    private static ImageConditioning[] Draw(DiffusionPipeline pipeline, int count)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        return [.. Enumerable.Range(0, Math.Max(count, 0)).Select(pipeline.CalibrationConditioning)];
    }

    /// <summary>A set with its own conditioning per sample (a held-out measurement's real labels, say).</summary>
    public CalibrationSet(DiffusionPipeline pipeline, IReadOnlyList<ImageConditioning> conditioning, long seed, double guidance, string description)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(conditioning);
        if (conditioning.Count < 2)
        {
            throw new HsoService.Optimization.HsoArgumentException($"calibration needs at least 2 samples, got {conditioning.Count}", "samples");
        }

        Pipeline = pipeline;
        Count = conditioning.Count;
        Seed = seed;
        _conditioning = conditioning;
        _guidance = guidance;
        Conditioning = description;
        SampleShape = pipeline.ImageShape(_conditioning[0]);
    }

    public DiffusionPipeline Pipeline { get; }

    /// <summary>Samples per measurement (K).</summary>
    public int Count { get; }

    public long Seed { get; }

    /// <summary>Channels, height and width of one output sample.</summary>
    public int[] SampleShape { get; }

    /// <summary>Text that identifies the conditioning, for cache keys.</summary>
    public string Conditioning { get; }

    private IReadOnlyList<GenerationRequest> Requests(SolverKind solver, IReadOnlyList<double> times) =>
        [.. _conditioning.Select((conditioning, i) => new GenerationRequest(solver, times, conditioning, 1, _guidance, Seed + i))];

    /// <summary>All K samples (K x C x H x W in [-1, 1]) from the solver over the times.</summary>
    public float[] Generate(SolverKind solver, IReadOnlyList<double> times, Action<int>? onStep, CancellationToken cancellationToken) =>
        [.. Pipeline.GenerateBatch(Requests(solver, times), onStep, cancellationToken).SelectMany(image => image)];

    /// <summary>The set's samples by DDIM over the times, every evaluated point handed on (<see cref="DiffusionPipeline.Trace"/>).</summary>
    public float[] Trace(IReadOnlyList<double> times, Action<int, int, float[], float[]> onPoint, CancellationToken cancellationToken) =>
        [.. Pipeline.Trace(Requests(SolverKind.Ddim, times), onPoint, cancellationToken).SelectMany(image => image)];
}
