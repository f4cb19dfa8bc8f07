using System.CommandLine;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;

namespace HsoService.Cli;

/// <summary>Resolves <c>--model</c>: a model id found under the shipped <c>models/</c> directory, or a model folder path.</summary>
internal static class ModelSource
{
    public static DiffusionPipeline Open(string model, OnnxOptions options, Action<string> onWarning) =>
        Open(model, new OnnxSessionFactory(options, onWarning));

    public static DiffusionPipeline Open(string model, OnnxSessionFactory sessions)
    {
        var registry = new ModelRegistry(sessions);
        if (ModelRegistry.FindModelsDirectory() is { } directory)
        {
            registry.Discover(directory);
        }

        if (!registry.Contains(model))
        {
            if (!Directory.Exists(model))
            {
                throw new ArgumentException(
                    $"--model '{model}' is neither a registered model ({(registry.Ids.Count == 0 ? "none found" : string.Join(", ", registry.Ids))}) nor a model folder", "model");
            }

            registry.Register(model, model);
        }

        return registry.Get(model);
    }

    public static Option<string> ProviderOption()
    {
        var option = new Option<string>("--provider") { Description = "execution provider: cpu or cuda (falls back to cpu with a warning)", DefaultValueFactory = _ => "cpu" };
        option.AcceptOnlyFromAmong("cpu", "cuda");
        return option;
    }

    public static Option<int> DeviceOption() => new("--device") { Description = "CUDA device id", DefaultValueFactory = _ => 0 };

    public static OnnxOptions Options(string provider, int device) =>
        new() { Provider = provider == "cuda" ? ExecutionProvider.Cuda : ExecutionProvider.Cpu, CudaDeviceId = device };
}
