using System.Text.Json.Serialization;

namespace HsoService.Inference.Onnx;

/// <summary>Where ONNX Runtime runs the graphs.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExecutionProvider>))]
public enum ExecutionProvider
{
    [JsonStringEnumMemberName("cpu")]
    Cpu,

    [JsonStringEnumMemberName("cuda")]
    Cuda,
}
