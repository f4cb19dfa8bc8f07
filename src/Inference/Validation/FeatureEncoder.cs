using HsoService.Inference.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.Validation;

/// <summary>
/// Any ONNX image encoder used for FD: its first input takes [B, C, H, W] images in [-1, 1], the named output gives
/// [B, F] features (for digits16-ddpm, the classifier's <c>features</c>).
/// </summary>
public sealed class FeatureEncoder : IDisposable
{
    private const int Batch = 256;
    private readonly OnnxGraph _graph;
    private readonly string _input;
    private readonly string _output;

    public FeatureEncoder(OnnxGraph graph, string output = "features")
    {
        ArgumentNullException.ThrowIfNull(graph);
        _graph = graph;
        _input = graph.Session.InputNames[0];
        _output = output;
        graph.RequireType(_input, TensorElementType.Float);
        var dimensions = graph.Output(output).Dimensions;
        FeatureCount = dimensions.Length == 2 && dimensions[1] > 0
            ? dimensions[1]
            : throw new InvalidDataException($"{graph.Name}: output '{output}' must be [batch, features] with a fixed feature size");
    }

    public int FeatureCount { get; }

    /// <summary>The graph's name and output, for descriptions.</summary>
    public string Name => $"{_graph.Name}:{_output}";

    /// <summary>Features (count x F) of <paramref name="count"/> images of the given shape.</summary>
    public float[] Encode(ReadOnlySpan<float> images, int count, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var imageSize = shape.Aggregate(1, (a, b) => a * b);
        var features = new float[count * FeatureCount];
        for (var start = 0; start < count; start += Batch)
        {
            var batch = Math.Min(Batch, count - start);
            var input = images.Slice(start * imageSize, batch * imageSize).ToArray();
            var output = new float[batch * FeatureCount];
            using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [batch, .. shape.Select(d => (long)d)]);
            using var outputValue = OrtValue.CreateTensorValueFromMemory(output, [batch, FeatureCount]);
            _graph.Run([_input], [inputValue], [_output], [outputValue]);
            output.CopyTo(features, start * FeatureCount);
        }

        return features;
    }

    public void Dispose() => _graph.Dispose();
}
