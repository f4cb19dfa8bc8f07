using HsoService.Inference.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.Pipelines;

/// <summary>
/// An image classifier / feature extractor graph (input <c>image</c> [B,C,H,W] in [-1, 1], outputs <c>features</c>
/// [B,F] and <c>logits</c> [B,K]), as digits16-ddpm ships for FD-digits and label agreement.
/// </summary>
public sealed class ImageClassifier : IDisposable
{
    private const int Batch = 256;
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

    public int FeatureCount { get; }

    public int ClassCount { get; }

    /// <summary>Features (N x F) and the arg-max label of each of <paramref name="count"/> images.</summary>
    public (float[] Features, int[] Labels) Classify(ReadOnlySpan<float> images, int count)
    {
        var imageSize = _channels * _size * _size;
        var features = new float[count * FeatureCount];
        var labels = new int[count];
        for (var start = 0; start < count; start += Batch)
        {
            var batch = Math.Min(Batch, count - start);
            var input = images.Slice(start * imageSize, batch * imageSize).ToArray();
            var featureBuffer = new float[batch * FeatureCount];
            var logits = new float[batch * ClassCount];
            using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [batch, _channels, _size, _size]);
            using var featureValue = OrtValue.CreateTensorValueFromMemory(featureBuffer, [batch, FeatureCount]);
            using var logitValue = OrtValue.CreateTensorValueFromMemory(logits, [batch, ClassCount]);
            _graph.Run(["image"], [inputValue], ["features", "logits"], [featureValue, logitValue]);
            featureBuffer.CopyTo(features, start * FeatureCount);
            for (var i = 0; i < batch; i++)
            {
                labels[start + i] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax<float>(logits.AsSpan(i * ClassCount, ClassCount));
            }
        }

        return (features, labels);
    }

    public void Dispose() => _graph.Dispose();
}
