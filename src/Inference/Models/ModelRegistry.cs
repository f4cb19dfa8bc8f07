using HsoService.Optimization;
using System.Collections.Concurrent;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;

namespace HsoService.Inference.Models;

/// <summary>
/// Models by id (id -> folder), each loaded on first use and then shared. <see cref="Discover"/> registers every
/// model folder under a <c>models/</c> directory (by default the one shipped with the project), so
/// <c>digits16-ddpm</c> works with no configuration. Thread-safe.
/// </summary>
public sealed class ModelRegistry(OnnxSessionFactory sessions) : IDisposable
{
    private readonly ConcurrentDictionary<string, string> _paths = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<DiffusionPipeline>> _loaded = new(StringComparer.Ordinal);

    public OnnxSessionFactory Sessions => sessions;

    /// <summary>Registered ids, sorted.</summary>
    public IReadOnlyList<string> Ids => [.. _paths.Keys.Order(StringComparer.Ordinal)];

    public void Register(string id, string path)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new ArgumentException("a model id must not be empty", nameof(id));
        }

        _paths[id] = Path.GetFullPath(path);
    }

    /// <summary>Registers each sub-folder of <paramref name="modelsDirectory"/> that has a model_index.json, by folder name.</summary>
    public void Discover(string modelsDirectory)
    {
        if (!Directory.Exists(modelsDirectory))
        {
            return;
        }

        foreach (var folder in Directory.EnumerateDirectories(modelsDirectory))
        {
            if (File.Exists(Path.Combine(folder, "model_index.json")))
            {
                Register(Path.GetFileName(folder), folder);
            }
        }
    }

    /// <summary>
    /// The shipped models directory: <c>HSO_MODELS_DIR</c> if set, else the first <c>models/</c> found in the current
    /// directory or above the application's own folder.
    /// </summary>
    public static string? FindModelsDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("HSO_MODELS_DIR");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "models");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    public bool Contains(string id) => _paths.ContainsKey(id);

    /// <summary>The folder of a registered model.</summary>
    public string PathOf(string id) => _paths.TryGetValue(id, out var path)
        ? path
        : throw new ArgumentException($"model '{id}' is not registered; registered models: {(Ids.Count == 0 ? "none" : string.Join(", ", Ids))}", "model");

    /// <summary>The loaded pipeline of a registered model (loaded once, on first use).</summary>
    public DiffusionPipeline Get(string id)
    {
        var path = PathOf(id);
        var lazy = _loaded.GetOrAdd(id, _ => new Lazy<DiffusionPipeline>(() => Load(path), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _loaded.TryRemove(id, out _);
            throw;
        }
    }

    private DiffusionPipeline Load(string path) => ModelClasses.ModelClassRegistry.Load(ModelFolder.Open(path), sessions);

    public void Dispose()
    {
        foreach (var lazy in _loaded.Values.Where(l => l.IsValueCreated))
        {
            lazy.Value.Dispose();
        }
    }
}
