using System.CommandLine;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;

namespace HsoService.Cli;

/// <summary>Resolves <c>--model</c>: a model id found under the shipped <c>models/</c> directory, or a model folder path.</summary>
internal static class ModelSource
{
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

    /// <summary>
    /// The model's id in stored schedules' keys: the id itself, or a folder's name (as the service names the folders of
    /// its models directory), so the command and a service serving that folder share keys.
    /// </summary>
    public static string Id(string model) =>
        Directory.Exists(model) ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(model))) : model;

    public static Option<string> ProviderOption()
    {
        var option = new Option<string>("--provider") { Description = "execution provider: cpu or cuda (falls back to cpu with a warning)", DefaultValueFactory = _ => "cpu" };
        option.AcceptOnlyFromAmong("cpu", "cuda");
        return option;
    }

    public static Option<int> DeviceOption() => new("--device") { Description = "CUDA device id", DefaultValueFactory = _ => 0 };

    /// <summary>Sessions on the provider (cpu or cuda) and device, with warnings (such as a CUDA fallback) on stderr.</summary>
    public static OnnxSessionFactory Sessions(string provider = "cpu", int device = 0, int maxBatch = 64) => new(
        new OnnxOptions { Provider = provider == "cuda" ? ExecutionProvider.Cuda : ExecutionProvider.Cpu, CudaDeviceId = device, MaxBatch = maxBatch },
        warning => Console.Error.WriteLine($"warning: {warning}"));
}
