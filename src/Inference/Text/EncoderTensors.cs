using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.Text;

/// <summary>What the text encoders share at the graph's boundary: token ids in the declared integer type, outputs read as float32.</summary>
internal static class EncoderTensors
{
    /// <summary>One prompt's ids as a [1, tokens] tensor of int32 or int64, as the graph declares.</summary>
    public static OrtValue Ids(int[] ids, TensorElementType type) =>
        type == TensorElementType.Int32
            ? OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length])
            : OrtValue.CreateTensorValueFromMemory(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);

    /// <summary>A float32 or float16 output as float32 values with its shape.</summary>
    public static (float[] Values, long[] Shape) Floats(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        float[] values = info.ElementDataType == TensorElementType.Float16
            ? [.. value.GetTensorDataAsSpan<Float16>().ToArray().Select(h => (float)h)]
            : value.GetTensorDataAsSpan<float>().ToArray();
        return (values, info.Shape);
    }
}
