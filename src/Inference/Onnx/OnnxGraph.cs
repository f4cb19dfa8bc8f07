using HsoService.Inference.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.Onnx;

/// <summary>
/// One ONNX graph's session, opened once and shared by all requests (<see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue})"/>
/// is thread-safe), with its input and output metadata and checks that name the graph and the input when a model
/// does not have the signature a pipeline needs.
/// </summary>
public sealed class OnnxGraph(InferenceSession session, string displayName, ExecutionProvider provider) : IDisposable
{
    // Default run options, made once: runs share them (they are only read during a run).
    private readonly RunOptions _runOptions = new();

    public InferenceSession Session => session;

    /// <summary>Graph name for messages, for example <c>unet/model.onnx</c>.</summary>
    public string Name => displayName;

    public ExecutionProvider Provider => provider;

    /// <summary>The metadata of input <paramref name="name"/>; throws naming the graph's real inputs when absent.</summary>
    public NodeMetadata Input(string name) =>
        session.InputMetadata.TryGetValue(name, out var metadata)
            ? metadata
            : throw new ModelLoadException($"{displayName}: has no input '{name}'; its inputs are {string.Join(", ", session.InputMetadata.Keys)}");

    /// <summary>The metadata of output <paramref name="name"/>; throws naming the graph's real outputs when absent.</summary>
    public NodeMetadata Output(string name) =>
        session.OutputMetadata.TryGetValue(name, out var metadata)
            ? metadata
            : throw new ModelLoadException($"{displayName}: has no output '{name}'; its outputs are {string.Join(", ", session.OutputMetadata.Keys)}");

    /// <summary>The name of the graph's first output.</summary>
    public string FirstOutput => session.OutputNames[0];

    /// <summary>Throws unless input <paramref name="name"/> has one of the element types.</summary>
    public TensorElementType RequireType(string name, params TensorElementType[] allowed)
    {
        var type = Input(name).ElementDataType;
        return allowed.Contains(type)
            ? type
            : throw new ModelLoadException($"{displayName}: input '{name}' has element type {type}; expected {string.Join(" or ", allowed)}");
    }

    /// <summary>Throws unless output <paramref name="name"/> has one of the element types.</summary>
    public TensorElementType OutputType(string name, params TensorElementType[] allowed)
    {
        var type = Output(name).ElementDataType;
        return allowed.Contains(type)
            ? type
            : throw new ModelLoadException($"{displayName}: output '{name}' has element type {type}; expected {string.Join(" or ", allowed)}");
    }

    /// <summary>Runs the graph into preallocated outputs.</summary>
    public void Run(IReadOnlyCollection<string> inputNames, IReadOnlyCollection<OrtValue> inputs, IReadOnlyCollection<string> outputNames, IReadOnlyCollection<OrtValue> outputs)
    {
        session.Run(_runOptions, inputNames, inputs, outputNames, outputs);
    }

    public void Dispose()
    {
        session.Dispose();
        _runOptions.Dispose();
    }
}
