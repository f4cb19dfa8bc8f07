using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.Text;

/// <summary>
/// A CLIP text encoder graph from an optimum export with its tokenizer: <c>input_ids</c> as int32 or int64, whichever
/// the graph declares, and float32 or float16 outputs, read as float32. SD 1.x reads its first output
/// (<c>last_hidden_state</c>); SDXL reads the penultimate layer's <c>hidden_states.{L-1}</c> and, from the encoder
/// with projection, <c>text_embeds</c>.
/// </summary>
public sealed class ClipTextEncoder : IDisposable
{
    private readonly OnnxGraph _graph;
    private readonly TensorElementType _idType;

    public ClipTextEncoder(OnnxGraph graph, ClipTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(graph);
        _graph = graph;
        Tokenizer = tokenizer;
        _idType = graph.RequireType("input_ids", TensorElementType.Int32, TensorElementType.Int64);
        var layers = graph.Session.OutputMetadata.Keys
            .Select(name => name.StartsWith("hidden_states.", StringComparison.Ordinal) && int.TryParse(name["hidden_states.".Length..], out var k) ? k : -1)
            .DefaultIfEmpty(-1).Max();
        PenultimateOutput = layers >= 1 ? $"hidden_states.{layers - 1}" : null;
    }

    public ClipTokenizer Tokenizer { get; }

    /// <summary>The graph's first output (<c>last_hidden_state</c> for CLIPTextModel).</summary>
    public string FirstOutput => _graph.FirstOutput;

    /// <summary><c>hidden_states.{L-1}</c>, the penultimate layer's states, when the export has the hidden states; else null.</summary>
    public string? PenultimateOutput { get; }

    /// <summary>The graph, for its metadata.</summary>
    public OnnxGraph Graph => _graph;

    /// <summary>Tokenizes one prompt and returns the named outputs as float32, with their shapes.</summary>
    public (float[] Values, long[] Shape)[] Encode(string prompt, params string[] outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var ids = Tokenizer.Encode(prompt);
        foreach (var name in outputs)
        {
            _graph.OutputType(name, TensorElementType.Float, TensorElementType.Float16);
        }

        using var idValue = EncoderTensors.Ids(ids, _idType);
        using var options = new RunOptions();
        using var results = _graph.Session.Run(options, ["input_ids"], [idValue], outputs);
        return [.. results.Select(EncoderTensors.Floats)];
    }

    public void Dispose() => _graph.Dispose();
}
