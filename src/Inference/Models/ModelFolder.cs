using System.Text.Json;
using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Inference.Models;

/// <summary>
/// A model folder in the diffusers / optimum ONNX layout: <c>model_index.json</c>, <c>scheduler/scheduler_config.json</c>,
/// <c>unet/model.onnx</c>, and per pipeline <c>classifier/</c> (pixel models, optional) or <c>text_encoder/</c>,
/// <c>tokenizer/</c> (vocab.json, merges.txt) and <c>vae_decoder/</c> (Stable Diffusion). <see cref="Open"/> checks that
/// every file the pipeline needs exists and names the first one missing.
/// </summary>
public sealed record ModelFolder
{
    public required string Root { get; init; }
    public required PipelineKind Kind { get; init; }
    public required SchedulerConfig Scheduler { get; init; }
    public required string UnetPath { get; init; }

    /// <summary>Feature extractor / classifier graph (pixel models), or null.</summary>
    public string? ClassifierPath { get; init; }

    /// <summary>
    /// Feature statistics of real images for the classifier's <c>features</c> (<c>classifier/reference_statistics.json</c>),
    /// what a validated search measures FD against; null when the folder has none.
    /// </summary>
    public string? ReferenceStatisticsPath { get; init; }
    public string? TextEncoderPath { get; init; }
    public string? VaeDecoderPath { get; init; }
    public string? VocabPath { get; init; }
    public string? MergesPath { get; init; }

    /// <summary>Pixel models: image side; Stable Diffusion: default image side in pixels.</summary>
    public int SampleSize { get; init; }
    public int Channels { get; init; }

    /// <summary>Pixel models: number of classes (labels 0..NumClasses-1) and the label meaning "no class".</summary>
    public int NumClasses { get; init; }
    public int NullClassLabel { get; init; }

    /// <summary>Stable Diffusion: latents are divided by this before decoding (0.18215 unless the vae config says otherwise).</summary>
    public double VaeScalingFactor { get; init; } = 0.18215;

    /// <summary>Reads and checks a model folder.</summary>
    public static ModelFolder Open(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new ModelLoadException($"model folder '{root}' does not exist");
        }

        var index = ReadJson(Path.Combine(root, "model_index.json"));
        var schedulerPath = Require(root, "scheduler", "scheduler_config.json");
        SchedulerConfig scheduler;
        try
        {
            scheduler = SchedulerConfig.Parse(File.ReadAllText(schedulerPath));
        }
        catch (ArgumentException e)
        {
            throw new ModelLoadException($"{schedulerPath}: {e.Message}", e);
        }

        var className = index.TryGetProperty("_class_name", out var name) ? name.GetString() ?? "" : "";
        var isStableDiffusion = className.Contains("StableDiffusion", StringComparison.Ordinal) || index.TryGetProperty("text_encoder", out _);
        var unet = Require(root, "unet", "model.onnx");
        if (isStableDiffusion)
        {
            var vaeConfig = Path.Combine(root, "vae_decoder", "config.json");
            var scaling = File.Exists(vaeConfig) && ReadJson(vaeConfig).TryGetProperty("scaling_factor", out var factor) ? factor.GetDouble() : 0.18215;
            return new ModelFolder
            {
                Root = root,
                Kind = PipelineKind.StableDiffusion,
                Scheduler = scheduler,
                UnetPath = unet,
                TextEncoderPath = Require(root, "text_encoder", "model.onnx"),
                VaeDecoderPath = Require(root, "vae_decoder", "model.onnx"),
                VocabPath = Require(root, "tokenizer", "vocab.json"),
                MergesPath = Require(root, "tokenizer", "merges.txt"),
                SampleSize = index.TryGetProperty("sample_size", out var size) ? size.GetInt32() : 512,
                Channels = 4,
                VaeScalingFactor = scaling,
            };
        }

        var classifier = Path.Combine(root, "classifier", "model.onnx");
        var statistics = Path.Combine(root, "classifier", "reference_statistics.json");
        return new ModelFolder
        {
            Root = root,
            Kind = PipelineKind.ClassConditionalPixel,
            Scheduler = scheduler,
            UnetPath = unet,
            ClassifierPath = File.Exists(classifier) ? classifier : null,
            ReferenceStatisticsPath = File.Exists(statistics) ? statistics : null,
            SampleSize = RequireInt(index, "sample_size", root),
            Channels = RequireInt(index, "in_channels", root),
            NumClasses = RequireInt(index, "num_class_embeds", root) - 1,
            NullClassLabel = RequireInt(index, "null_class_label", root),
        };
    }

    private static string Require(string root, string folder, string file)
    {
        var path = Path.Combine(root, folder, file);
        return File.Exists(path) ? path : throw new ModelLoadException($"model folder '{root}' is missing {folder}/{file}");
    }

    private static int RequireInt(JsonElement index, string field, string root) =>
        index.TryGetProperty(field, out var value) && value.TryGetInt32(out var number)
            ? number
            : throw new ModelLoadException($"{Path.Combine(root, "model_index.json")}: field '{field}' (an integer) is missing");

    private static JsonElement ReadJson(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelLoadException($"model folder '{Path.GetDirectoryName(path)}' is missing {Path.GetFileName(path)}");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{path}: not valid JSON ({e.Message})", e);
        }
    }
}
