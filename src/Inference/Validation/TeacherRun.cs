using HsoService.Optimization.Families;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Inference.Validation;

/// <summary>
/// The teacher trajectories the model-aware strategies learn from: a calibration set's samples taken by DDIM through
/// a fine grid of trained steps (uniform in lambda) to sigma = 0, every state and data prediction kept. Its jump
/// costs (<see cref="IJumpCosts"/>) are the trajectory strategy's; its end points are the teacher strategy's targets.
/// </summary>
public sealed class TeacherRun : IJumpCosts
{
    /// <summary>Teacher samples: enough for a mean error; the jump costs average over them.</summary>
    public const int DefaultSamples = 128;

    /// <summary>Grid points asked for (fewer remain where lambda-uniform points share a trained step).</summary>
    public const int DefaultGridPoints = 100;

    private readonly NoiseSchedule _noise;
    private readonly float[][] _states;
    private readonly float[][] _data;
    private readonly double[,] _costs;
    private readonly int _rows;

    private TeacherRun(NoiseSchedule noise, double[] grid, float[][] states, float[][] data, int rows, int rowSize)
    {
        _noise = noise;
        Grid = grid;
        _states = states;
        _data = data;
        _rows = rows;
        RowSize = rowSize;
        _costs = new double[grid.Length, grid.Length + 1];
        for (var i = 0; i < grid.Length; i++)
        {
            for (var j = 0; j <= grid.Length; j++)
            {
                _costs[i, j] = double.NaN;
            }
        }

        Outputs = [.. data[^1].Select(v => Math.Clamp(v, -1f, 1f))];
    }

    public IReadOnlyList<double> Grid { get; }

    /// <summary>Samples in the run.</summary>
    public int Samples => _rows;

    /// <summary>Values per sample.</summary>
    public int RowSize { get; }

    /// <summary>Model evaluations the run cost: samples x grid points.</summary>
    public long ModelEvaluations => (long)_rows * Grid.Count;

    /// <summary>The teacher's samples at sigma = 0, clipped to [-1, 1] as generated images are.</summary>
    public float[] Outputs { get; }

    /// <summary>The fine grid: lambda-uniform trained steps from the first trained time down, above the last one.</summary>
    public static double[] FineGrid(NoiseSchedule noise, int points = DefaultGridPoints)
    {
        ArgumentNullException.ThrowIfNull(noise);
        var times = ScheduleFamilies.Build(noise, "uniform_lambda", SolverKind.Ddim, Math.Min(points, noise.TrainSteps)).T;
        return [.. ScheduleSnapping.Snap(noise, times, out _).Where(t => t > noise.TMin)];
    }

    /// <summary>Runs the teacher on the calibration set (all its samples) over the fine grid.</summary>
    public static TeacherRun Record(
        CalibrationSet set, NoiseSchedule noise, int gridPoints = DefaultGridPoints, Action<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var grid = FineGrid(noise, gridPoints);
        var rowSize = set.SampleShape.Aggregate(1, (a, b) => a * b);
        var states = grid.Select(_ => new float[set.Count * rowSize]).ToArray();
        var data = grid.Select(_ => new float[set.Count * rowSize]).ToArray();
        // The grid is on trained steps already, so the sampler evaluates exactly its points.
        set.Trace(grid, (point, first, x, x0) =>
        {
            x.AsSpan().CopyTo(states[point].AsSpan(first * rowSize));
            x0.AsSpan().CopyTo(data[point].AsSpan(first * rowSize));
            progress?.Invoke(((double)first + (x.Length / rowSize * (point + 1.0) / grid.Length)) / set.Count);
        }, cancellationToken);
        return new TeacherRun(noise, grid, states, data, set.Count, rowSize);
    }

    /// <summary>
    /// Mean over the samples of the RMS error of one DDIM step from grid point i to j (x = alpha_j x0_i + sigma_j eps_i),
    /// against the teacher's state at j; j = Grid.Count compares x0_i with the teacher's end.
    /// </summary>
    public double Cost(int from, int to)
    {
        if (from < 0 || to <= from || to > Grid.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(to), $"need 0 <= from < to <= {Grid.Count}, got {from} -> {to}");
        }

        if (double.IsNaN(_costs[from, to]))
        {
            _costs[from, to] = Measure(from, to);
        }

        return _costs[from, to];
    }

    private double Measure(int from, int to)
    {
        var t = Grid[from];
        var (alpha, sigma) = (_noise.Alpha(t), _noise.Sigma(t));
        var (alphaNext, sigmaNext) = to == Grid.Count ? (1.0, 0.0) : (_noise.Alpha(Grid[to]), _noise.Sigma(Grid[to]));
        var target = to == Grid.Count ? _data[^1] : _states[to];
        var x = _states[from];
        var x0 = _data[from];
        var total = 0.0;
        for (var r = 0; r < _rows; r++)
        {
            var squared = 0.0;
            for (var k = r * RowSize; k < (r + 1) * RowSize; k++)
            {
                // eps_i = (x_i - alpha_i x0_i) / sigma_i; one step: alpha_j x0_i + sigma_j eps_i.
                var eps = (x[k] - (alpha * x0[k])) / sigma;
                var error = (alphaNext * x0[k]) + (sigmaNext * eps) - target[k];
                squared += error * error;
            }

            total += Math.Sqrt(squared / RowSize);
        }

        return total / _rows;
    }
}
