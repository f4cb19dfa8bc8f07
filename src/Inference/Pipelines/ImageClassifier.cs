using HsoService.Inference.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.Pipelines;

/// <summary>
/// An image classifier / feature extractor graph (input <c>image</c> [B,C,H,W] in [-1, 1], outputs <c>features</c>
/// [B,F] and <c>logits</c> [B,K]), as digits16-ddpm ships for FD-digits and label agreement.
/// </summary>
public sealed class ImageClassifier : IDisposable
{
    private readonly OnnxGraph _graph;
    private readonly int _channels;
    private readonly int _size;

    public ImageClassifier(OnnxGraph graph, int channels, int size)
    {
        _graph = graph;
        _channels = channels;
        _size = size;
        graph.RequireType("image", TensorElementType.Float);
        FeatureCount = (int)graph.Output("features").Dimensions[^1];
        ClassCount = (int)graph.Output("logits").Dimensions[^1];
    }

    /// <summary>The graph, for an encoder that reads its features without loading it again.</summary>
    internal OnnxGraph Graph => _graph;

    public int FeatureCount { get; }

    public int ClassCount { get; }

    /// <summary>Features (N x F) and the arg-max label of each of <paramref name="count"/> images.</summary>
    public (float[] Features, int[] Labels) Classify(ReadOnlySpan<float> images, int count)
    {
        var outputs = ImageBatches.Run(_graph, "image", images, count, [_channels, _size, _size], [("features", FeatureCount), ("logits", ClassCount)]);
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            labels[i] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax<float>(outputs[1].AsSpan(i * ClassCount, ClassCount));
        }

        return (outputs[0], labels);
    }

    public void Dispose() => _graph.Dispose();
}
