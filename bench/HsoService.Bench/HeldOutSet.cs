using HsoService.Inference.Evaluation;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Validation;
using HsoService.Optimization.Schedules;

namespace HsoService.Bench;

/// <summary>
/// The samples of <c>hso evaluate</c>'s held-out measurement as a calibration set: sample i has the real label
/// i mod 1797 and seed <c>seed + i</c>, guidance 1. Scoring a schedule on it gives the held-out FD itself, which is
/// what the oracle search fits (and what no honest search may see).
/// </summary>
public sealed class HeldOutSet(PixelDiffusionPipeline pipeline, DigitsDataset dataset, int count, long seed) : CalibrationSet(pipeline, count, seed)
{
    private readonly int?[] _labels = [.. Enumerable.Range(0, count).Select(i => (int?)dataset.Labels[i % dataset.Count])];

    public override int[] SampleShape => [pipeline.Folder.Channels, pipeline.Folder.SampleSize, pipeline.Folder.SampleSize];

    public override string Conditioning => "the real labels in order";

    public override float[] Generate(SolverKind solver, IReadOnlyList<double> times, Action<int>? onStep, CancellationToken cancellationToken) =>
        pipeline.Generate(new PixelGenerationRequest(solver, times, _labels, 1.0, Seed), onStep, cancellationToken);
}
