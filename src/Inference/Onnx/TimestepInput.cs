using HsoService.Optimization.NoiseSchedules;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.Onnx;

/// <summary>
/// The <c>timestep</c> input of a unet, adapted to what the graph declares: float32 (or float16, as fp16 exports take
/// it) takes the continuous model time t N - 1 (fractional values are fine), int64 / int32 take the trained discrete step clamp(round(t N) - 1);
/// rank 0 is a scalar, rank 1 one value per batch item. The buffer and its <see cref="OrtValue"/> are made once.
/// </summary>
public sealed class TimestepInput : IDisposable
{
    private readonly float[]? _floats;
    private readonly Float16[]? _halves;
    private readonly long[]? _longs;
    private readonly int[]? _ints;

    public TimestepInput(OnnxGraph graph, int batch, string name = "timestep")
    {
        Name = name;
        var type = graph.RequireType(name, TensorElementType.Float, TensorElementType.Float16, TensorElementType.Int64, TensorElementType.Int32);
        var rank = graph.Input(name).Dimensions.Length;
        if (rank > 1)
        {
            throw new Models.ModelLoadException($"{graph.Name}: input '{name}' has rank {rank}; expected a scalar or one value per sample");
        }

        long[] shape = rank == 0 ? [] : [batch];
        var count = rank == 0 ? 1 : batch;
        IsDiscrete = type is TensorElementType.Int64 or TensorElementType.Int32;
        switch (type)
        {
            case TensorElementType.Float:
                _floats = new float[count];
                Value = OrtValue.CreateTensorValueFromMemory(_floats, shape);
                break;
            case TensorElementType.Float16:
                _halves = new Float16[count];
                Value = OrtValue.CreateTensorValueFromMemory(_halves, shape);
                break;
            case TensorElementType.Int64:
                _longs = new long[count];
                Value = OrtValue.CreateTensorValueFromMemory(_longs, shape);
                break;
            default:
                _ints = new int[count];
                Value = OrtValue.CreateTensorValueFromMemory(_ints, shape);
                break;
        }
    }

    public string Name { get; }

    /// <summary>True when the graph takes integer timesteps (the sampler must stay on the trained grid).</summary>
    public bool IsDiscrete { get; }

    public OrtValue Value { get; }

    /// <summary>Writes the model time of continuous t (times <paramref name="scale"/>, for a float input) into every slot.</summary>
    public void Set(NoiseSchedule noise, double t, double scale = 1.0)
    {
        if (_floats is not null)
        {
            Array.Fill(_floats, (float)(noise.ModelTime(t) * scale));
        }
        else if (_halves is not null)
        {
            Array.Fill(_halves, (Float16)(float)(noise.ModelTime(t) * scale));
        }
        else if (_longs is not null)
        {
            Array.Fill(_longs, noise.DiscreteTimestep(t));
        }
        else
        {
            Array.Fill(_ints!, noise.DiscreteTimestep(t));
        }
    }

    public void Dispose() => Value.Dispose();
}
