using HsoService.Inference.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.Text;

/// <summary>
/// A T5 encoder graph from an optimum export (<c>input_ids</c> int32 or int64, <c>last_hidden_state</c> float32 or
/// float16) with its SentencePiece tokenizer: the prompt's states over <c>max_sequence_length</c> tokens.
/// </summary>
public sealed class T5TextEncoder : IDisposable
{
    private readonly OnnxGraph _graph;
    private readonly TensorElementType _idType;

    public T5TextEncoder(OnnxGraph graph, T5Tokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(graph);
        _graph = graph;
        Tokenizer = tokenizer;
        _idType = graph.RequireType("input_ids", TensorElementType.Int32, TensorElementType.Int64);
        graph.OutputType(graph.FirstOutput, TensorElementType.Float, TensorElementType.Float16);
    }

    public T5Tokenizer Tokenizer { get; }

    /// <summary>The last hidden state [tokens, width] of one prompt cut and padded to <paramref name="tokens"/>.</summary>
    public (float[] Values, long Width) Encode(string prompt, int tokens)
    {
        var ids = Tokenizer.Encode(prompt, tokens);
        using var idValue = EncoderTensors.Ids(ids, _idType);
        using var options = new RunOptions();
        using var results = _graph.Session.Run(options, ["input_ids"], [idValue], [_graph.FirstOutput]);
        var (values, shape) = EncoderTensors.Floats(results[0]);
        return (values, shape[^1]);
    }

    public void Dispose() => _graph.Dispose();
}
