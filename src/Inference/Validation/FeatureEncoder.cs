using HsoService.Inference.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.Validation;

/// <summary>
/// Any ONNX image encoder used for FD: its first input takes [B, C, H, W] images in [-1, 1], the named output gives
/// [B, F] features (for digits16-ddpm, the classifier's <c>features</c>).
/// </summary>
public sealed class FeatureEncoder : IDisposable
{
    private readonly OnnxGraph _graph;
    private readonly string _input;
    private readonly string _output;
    private readonly bool _ownsGraph;

    /// <param name="graph">The encoder graph.</param>
    /// <param name="output">The [batch, features] output.</param>
    /// <param name="ownsGraph">False when the graph belongs to someone else (a pipeline's classifier) and outlives this.</param>
    public FeatureEncoder(OnnxGraph graph, string output = "features", bool ownsGraph = true)
    {
        ArgumentNullException.ThrowIfNull(graph);
        _graph = graph;
        _ownsGraph = ownsGraph;
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
    public float[] Encode(ReadOnlySpan<float> images, int count, int[] shape) =>
        ImageBatches.Run(_graph, _input, images, count, shape, [(_output, FeatureCount)])[0];

    public void Dispose()
    {
        if (_ownsGraph)
        {
            _graph.Dispose();
        }
    }
}
