using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using HsoService.Inference.Onnx;

namespace HsoService.Inference.Denoising;

/// <summary>
/// One conditioning input of a unet for a batch of B rows (class labels, text embeddings, pooled embeddings, time ids),
/// and what the unconditional half of classifier-free guidance takes there. Laid out as the unet's rows are: the
/// unconditional rows first when guided (diffusers' order), then the conditional ones.
/// </summary>
public sealed class ConditioningInput
{
    private readonly float[]? _conditional;
    private readonly float[]? _unconditional;
    private readonly long[]? _labels;
    private readonly long _nullLabel;
    private readonly bool _shared;

    private ConditioningInput(string name, long[] rowShape, float[]? conditional, float[]? unconditional, long[]? labels, long nullLabel, bool shared = false)
    {
        _shared = shared;
        Name = name;
        RowShape = rowShape;
        _conditional = conditional;
        _unconditional = unconditional;
        _labels = labels;
        _nullLabel = nullLabel;
    }

    public string Name { get; }

    /// <summary>The shape of one row (empty for a scalar per row, like a label).</summary>
    public long[] RowShape { get; }

    /// <summary>Float rows (B x RowShape values each), and the unconditional rows guidance needs (same size), when it is used.</summary>
    public static ConditioningInput Floats(string name, long[] rowShape, float[] conditional, float[]? unconditional) =>
        new(name, rowShape, conditional, unconditional, null, 0);

    /// <summary>One tensor for the whole batch, without a batch dimension (Flux's <c>img_ids</c> and <c>txt_ids</c>).</summary>
    public static ConditioningInput Shared(string name, long[] shape, float[] values) => new(name, shape, values, null, null, 0, shared: true);

    /// <summary>Integer class labels, one per row; <paramref name="nullLabel"/> is the unconditional label.</summary>
    public static ConditioningInput Labels(string name, long[] labels, long nullLabel) => new(name, [], null, null, labels, nullLabel);

    /// <summary>The input's tensor for the unet's rows (B, or 2B when guided), in the graph's declared type; dispose what it returns.</summary>
    internal IDisposable Bind(OnnxGraph unet, int batch, bool guided, out OrtValue value)
    {
        if (_shared)
        {
            var whole = FloatTensor.Input(unet, Name, RowShape);
            _conditional!.CopyTo(whole.Values, 0);
            whole.ToGraph();
            value = whole.Value;
            return whole;
        }

        var rows = guided ? 2 * batch : batch;
        long[] shape = [rows, .. RowShape];
        if (_labels is not null)
        {
            unet.RequireType(Name, TensorElementType.Int64);
            var values = new long[rows];
            var offset = rows - batch;
            for (var i = 0; i < batch; i++)
            {
                values[offset + i] = _labels[i];
                if (guided)
                {
                    values[i] = _nullLabel;
                }
            }

            var labels = OrtValue.CreateTensorValueFromMemory(values, shape);
            value = labels;
            return labels;
        }

        var rowSize = (int)RowShape.Aggregate(1L, (a, b) => a * b);
        var tensor = FloatTensor.Input(unet, Name, shape);
        _conditional!.AsSpan(0, batch * rowSize).CopyTo(tensor.Values.AsSpan((rows - batch) * rowSize));
        if (guided)
        {
            (_unconditional ?? throw new InvalidOperationException($"{Name}: guidance needs the unconditional rows")).AsSpan(0, batch * rowSize).CopyTo(tensor.Values);
        }

        tensor.ToGraph();
        value = tensor.Value;
        return tensor;
    }
}
