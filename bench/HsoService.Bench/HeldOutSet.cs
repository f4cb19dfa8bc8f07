using HsoService.Inference.Evaluation;
using HsoService.Inference.ModelClasses.ClassConditionalPixel;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Validation;

namespace HsoService.Bench;

/// <summary>
/// The samples of <c>hso evaluate</c>'s held-out measurement as a calibration set: sample i has the real label
/// i mod 1797 and seed <c>seed + i</c>, guidance 1. Scoring a schedule on it gives the held-out FD itself, which is
/// what the oracle search fits (and what no honest search may see).
/// </summary>
public static class HeldOutSet
{
    public static CalibrationSet Create(PixelDiffusionPipeline pipeline, DigitsDataset dataset, int count, long seed)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(dataset);
        IReadOnlyList<ImageConditioning> labels = [.. Enumerable.Range(0, count).Select(i => new ClassLabelConditioning(dataset.Labels[i % dataset.Count], pipeline.SampleSize))];
        return new CalibrationSet(pipeline, labels, seed, 1.0, "the real labels in order");
    }
}
