using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.Onnx;

/// <summary>
/// A float tensor at a graph's boundary, in the element type the graph declares: float32 is bound over
/// <see cref="Values"/> itself (no copy), float16 (optimum's <c>--dtype fp16</c> exports) over a half-precision mirror
/// that <see cref="ToGraph"/> and <see cref="FromGraph"/> convert. Pipelines compute in float32 either way.
/// </summary>
public sealed class FloatTensor : IDisposable
{
    private readonly Float16[]? _half;

    public FloatTensor(TensorElementType type, long[] shape, float[]? values = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var length = checked((int)shape.Aggregate(1L, (a, b) => a * b));
        Values = values ?? new float[length];
        if (Values.Length != length)
        {
            throw new ArgumentException($"{Values.Length} values do not fill shape [{string.Join(", ", shape)}]", nameof(values));
        }

        switch (type)
        {
            case TensorElementType.Float:
                Value = OrtValue.CreateTensorValueFromMemory(Values, shape);
                break;
            case TensorElementType.Float16:
                _half = new Float16[length];
                Value = OrtValue.CreateTensorValueFromMemory(_half, shape);
                break;
            default:
                throw new ArgumentException($"a float tensor is float32 or float16, not {type}", nameof(type));
        }
    }

    /// <summary>A tensor for input or output <paramref name="name"/> of the graph, in its declared type.</summary>
    public static FloatTensor Input(OnnxGraph graph, string name, long[] shape, float[]? values = null) =>
        new(graph.RequireType(name, TensorElementType.Float, TensorElementType.Float16), shape, values);

    /// <summary>A tensor for output <paramref name="name"/> of the graph, in its declared type.</summary>
    public static FloatTensor Output(OnnxGraph graph, string name, long[] shape, float[]? values = null) =>
        new(graph.OutputType(name, TensorElementType.Float, TensorElementType.Float16), shape, values);

    /// <summary>The float32 values the pipeline reads and writes.</summary>
    public float[] Values { get; }

    public OrtValue Value { get; }

    /// <summary>Copies <see cref="Values"/> into the graph's half-precision buffer (nothing for float32).</summary>
    public void ToGraph()
    {
        if (_half is not null)
        {
            for (var i = 0; i < _half.Length; i++)
            {
                _half[i] = (Float16)Values[i];
            }
        }
    }

    /// <summary>Copies the graph's half-precision buffer into <see cref="Values"/> (nothing for float32).</summary>
    public void FromGraph()
    {
        if (_half is not null)
        {
            for (var i = 0; i < _half.Length; i++)
            {
                Values[i] = (float)_half[i];
            }
        }
    }

    public void Dispose() => Value.Dispose();
}
