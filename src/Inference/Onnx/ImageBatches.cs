using Microsoft.ML.OnnxRuntime;

namespace HsoService.Inference.Onnx;

/// <summary>
/// Runs an image graph over many images in batches of at most <see cref="Batch"/>: one input [B, C, H, W], and
/// outputs of shape [B, width] gathered into one array each (count x width).
/// </summary>
public static class ImageBatches
{
    public const int Batch = 256;

    public static float[][] Run(OnnxGraph graph, string input, ReadOnlySpan<float> images, int count, int[] shape, IReadOnlyList<(string Name, int Width)> outputs)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(outputs);
        var imageSize = shape.Aggregate(1, (a, b) => a * b);
        var results = outputs.Select(o => new float[count * o.Width]).ToArray();
        var names = outputs.Select(o => o.Name).ToArray();
        long[] inputShape = [0, .. shape.Select(d => (long)d)];
        for (var start = 0; start < count; start += Batch)
        {
            var batch = Math.Min(Batch, count - start);
            inputShape[0] = batch;
            var buffers = outputs.Select(o => new float[batch * o.Width]).ToArray();
            using var inputValue = OrtValue.CreateTensorValueFromMemory(images.Slice(start * imageSize, batch * imageSize).ToArray(), inputShape);
            var outputValues = outputs.Select((o, k) => OrtValue.CreateTensorValueFromMemory(buffers[k], [batch, o.Width])).ToArray();
            try
            {
                graph.Run([input], [inputValue], names, outputValues);
            }
            finally
            {
                foreach (var value in outputValues)
                {
                    value.Dispose();
                }
            }

            for (var k = 0; k < outputs.Count; k++)
            {
                buffers[k].CopyTo(results[k], start * outputs[k].Width);
            }
        }

        return results;
    }
}
