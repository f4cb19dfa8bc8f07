using System.Globalization;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Pipelines;

/// <summary>
/// What must be equal for requests to be sampled in one batch: solver, schedule times, guidance scale, final step
/// and image size. As text (times in round-trip form, every bit kept), so it can also key a batcher's open batches.
/// </summary>
public static class SamplingShape
{
    public static string Of(SolverKind solver, IEnumerable<double> times, double guidance, FinalStep finalStep, int width, int height) =>
        string.Create(CultureInfo.InvariantCulture, $"{solver}|{guidance:R}|{finalStep}|{width}x{height}|{string.Join(',', times.Select(t => t.ToString("R", CultureInfo.InvariantCulture)))}");
}
