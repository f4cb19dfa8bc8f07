using System.Text.Json;
using HsoService.Inference.ModelClasses;
using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Inference.Models;

/// <summary>
/// A model folder in the diffusers / optimum ONNX layout: <c>model_index.json</c> (its <c>_class_name</c> and
/// components), <c>scheduler/scheduler_config.json</c>, and one folder per component. <see cref="Open"/> reads the
/// index and the scheduler; <see cref="ModelClassRegistry.Recognise"/> says which model class it is, and the class reads
/// the components it needs when it loads, naming the first file missing. A folder may ship a feature extractor
/// (<c>classifier/model.onnx</c>) with the feature statistics of real images (<c>classifier/reference_statistics.json</c>).
/// </summary>
public sealed record ModelFolder
{
    public required string Root { get; init; }

    /// <summary>model_index.json's <c>_class_name</c> (empty when it has none).</summary>
    public required string ClassName { get; init; }

    /// <summary>model_index.json itself.</summary>
    public required JsonElement Index { get; init; }

    public required SchedulerConfig Scheduler { get; init; }

    /// <summary>Feature extractor / classifier graph, or null.</summary>
    public string? ClassifierPath { get; init; }

    /// <summary>
    /// Feature statistics of real images for the classifier's <c>features</c>, what a validated search measures FD
    /// against; null when the folder has none.
    /// </summary>
    public string? ReferenceStatisticsPath { get; init; }

    /// <summary>Reads a model folder's index and scheduler.</summary>
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

        var className = index.ValueKind == JsonValueKind.Object && index.TryGetProperty("_class_name", out var name) && name.ValueKind == JsonValueKind.String
            ? name.GetString()!
            : "";
        var classifier = Path.Combine(root, "classifier", "model.onnx");
        var statistics = Path.Combine(root, "classifier", "reference_statistics.json");
        return new ModelFolder
        {
            Root = root,
            ClassName = className,
            Index = index,
            Scheduler = scheduler,
            ClassifierPath = File.Exists(classifier) ? classifier : null,
            ReferenceStatisticsPath = File.Exists(statistics) ? statistics : null,
        };
    }

    /// <summary>True when model_index.json lists the component (or its folder exists).</summary>
    public bool Has(string component) =>
        (Index.ValueKind == JsonValueKind.Object && Index.TryGetProperty(component, out _)) || Directory.Exists(Path.Combine(Root, component));

    /// <summary>The path of a component's file; throws naming it when it is missing.</summary>
    public string Require(string component, string file) => Require(Root, component, file);

    /// <summary>The path of a component's file, or null when it is missing.</summary>
    public string? Optional(string component, string file)
    {
        var path = Path.Combine(Root, component, file);
        return File.Exists(path) ? path : null;
    }

    /// <summary>A component's JSON file (a <c>config.json</c>), or null when it is missing.</summary>
    public JsonElement? OptionalJson(string component, string file) =>
        Optional(component, file) is { } path ? ReadJson(path) : null;

    /// <summary>An integer field of model_index.json; throws naming it when it is missing.</summary>
    public int RequireInt(string field) =>
        Index.ValueKind == JsonValueKind.Object && Index.TryGetProperty(field, out var value) && value.TryGetInt32(out var number)
            ? number
            : throw new ModelLoadException($"{Path.Combine(Root, "model_index.json")}: field '{field}' (an integer) is missing");

    private static string Require(string root, string folder, string file)
    {
        var path = Path.Combine(root, folder, file);
        return File.Exists(path) ? path : throw new ModelLoadException($"model folder '{root}' is missing {folder}/{file}");
    }

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
