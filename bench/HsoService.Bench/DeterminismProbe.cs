using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Bench;

/// <summary>
/// The probe behind bench/determinism.sh (issue 32): runs each graph on one fixed input many times per session
/// setting and counts the runs whose outputs differ, in any bit, from the first run of the same session, and how far
/// (largest difference relative to the output's largest magnitude). The script runs it while other processes load the
/// cores, since that is when ONNX Runtime's CPU results were seen to move.
/// Usage: determinism RUNS BATCH GRAPH_PATH...   (a graph's dynamic dimensions: BATCH for the first, 8 elsewhere)
/// </summary>
public static class DeterminismProbe
{
    private static readonly (string Name, Action<SessionOptions> Apply, bool Move)[] Settings =
    [
        ("service (all optimisations, one thread per core)", _ => { }, false),
        ("one intra-op thread", o => o.IntraOpNumThreads = 1, false),
        ("no thread spinning", o => o.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"), false),
        ("basic graph optimisations", o => o.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC, false),
        ("service, inputs at a new address each run", _ => { }, true),
        ("one intra-op thread, inputs at a new address each run", o => o.IntraOpNumThreads = 1, true),
    ];

    public static int Run(string[] args)
    {
        var runs = int.Parse(args[0], CultureInfo.InvariantCulture);
        var batch = int.Parse(args[1], CultureInfo.InvariantCulture);
        Console.WriteLine("graph\tsetting\truns\truns differing from the first\tlargest relative difference\tagainst the service setting\tms per run (median)");
        foreach (var path in args[2..])
        {
            float[][]? service = null;
            foreach (var (name, apply, move) in Settings)
            {
                using var options = new SessionOptions
                {
                    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                    IntraOpNumThreads = Environment.ProcessorCount,
                    EnableCpuMemArena = false,
                };
                apply(options);
                using var session = new InferenceSession(path, options);
                var inputs = session.InputMetadata.Select(pair => (pair.Key, Value: Input(pair.Value, batch))).ToArray();
                float[][]? first = null;
                var differing = 0;
                var worst = 0.0;
                var times = new List<double>();
                for (var r = 0; r < runs; r++)
                {
                    var watch = Stopwatch.StartNew();
                    using var results = session.Run([.. inputs.Select(i => Named(i.Key, move ? Moved(i.Value, r) : i.Value))]);
                    times.Add(watch.Elapsed.TotalMilliseconds);
                    var outputs = results.Select(Floats).ToArray();
                    if (first is null)
                    {
                        first = outputs;
                        continue;
                    }

                    var difference = outputs.Zip(first).Max(pair => RelativeDifference(pair.First, pair.Second));
                    differing += difference > 0 ? 1 : 0;
                    worst = Math.Max(worst, difference);
                }

                service ??= first;
                var against = first!.Zip(service!).Max(pair => RelativeDifference(pair.First, pair.Second));
                times.Sort();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Graph(path)}\t{name}\t{runs}\t{differing}\t{worst:E2}\t{against:E2}\t{times[times.Count / 2]:F1}"));
            }
        }

        return 0;
    }

    private static string Graph(string path) => Path.GetRelativePath(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(path)))!, path);

    /// <summary>A fixed input for the metadata: normal noise for floats, small integers for ids and timesteps.</summary>
    private static object Input(NodeMetadata metadata, int batch)
    {
        var random = new Random(1234);
        var dims = metadata.Dimensions.Select((d, i) => d > 0 ? d : i == 0 ? batch : 8).ToArray();
        var count = dims.Aggregate(1, (a, b) => a * b);
        switch (metadata.ElementDataType)
        {
            case TensorElementType.Int64:
                return new DenseTensor<long>(Enumerable.Range(0, count).Select(_ => (long)random.Next(1, 9)).ToArray(), dims);
            case TensorElementType.Int32:
                return new DenseTensor<int>(Enumerable.Range(0, count).Select(_ => random.Next(1, 9)).ToArray(), dims);
            case TensorElementType.Float16:
                return new DenseTensor<Float16>(Enumerable.Range(0, count).Select(_ => (Float16)Normal(random)).ToArray(), dims);
            default:
                return new DenseTensor<float>(Enumerable.Range(0, count).Select(_ => Normal(random)).ToArray(), dims);
        }
    }

    private static NamedOnnxValue Named(string name, object value) => value switch
    {
        DenseTensor<long> l => NamedOnnxValue.CreateFromTensor(name, l),
        DenseTensor<int> i => NamedOnnxValue.CreateFromTensor(name, i),
        DenseTensor<Float16> h => NamedOnnxValue.CreateFromTensor(name, h),
        _ => NamedOnnxValue.CreateFromTensor(name, (DenseTensor<float>)value),
    };

    /// <summary>The same values in a fresh array, starting r % 16 floats in: what a pipeline's new buffers look like.</summary>
    private static object Moved(object value, int r)
    {
        if (value is not DenseTensor<float> tensor)
        {
            return value;
        }

        var offset = r % 16;
        var memory = new float[tensor.Length + offset];
        tensor.Buffer.Span.CopyTo(memory.AsSpan(offset));
        return new DenseTensor<float>(memory.AsMemory(offset, (int)tensor.Length), tensor.Dimensions);
    }

    private static float Normal(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));

    private static float[] Floats(DisposableNamedOnnxValue value) => value.Value switch
    {
        Tensor<float> f => [.. f],
        Tensor<Float16> h => [.. h.Select(x => (float)x)],
        Tensor<long> l => [.. l.Select(x => (float)x)],
        _ => [],
    };

    private static double RelativeDifference(float[] a, float[] b)
    {
        var scale = 0.0;
        var largest = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(b[i]));
            largest = Math.Max(largest, Math.Abs((double)a[i] - b[i]));
        }

        return largest == 0 ? 0 : largest / Math.Max(scale, 1e-30);
    }
}
