using System.Collections.Concurrent;
using HsoService.Api.Schedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Api.Stores;

/// <summary>
/// The embedded schedule store: one JSON file per key under <c>{data}/schedules/{model}/</c>, written to a temporary
/// file and renamed over the old one, so a crash never leaves a half-written schedule and cached schedules survive
/// restarts. Model ids come from configuration only and are checked to be plain names before they become paths.
/// </summary>
public sealed class FileScheduleStore : IScheduleStore
{
    private readonly string _root;
    private readonly ConcurrentDictionary<string, Schedule> _memory = new();

    public FileScheduleStore(string dataDirectory)
    {
        _root = Path.GetFullPath(Path.Combine(dataDirectory, "schedules"));
        Directory.CreateDirectory(_root);
    }

    public async Task<Schedule?> GetAsync(ScheduleKey key, CancellationToken cancellationToken = default)
    {
        var text = key.ToString();
        if (_memory.TryGetValue(text, out var cached))
        {
            return cached;
        }

        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return null;
        }

        var schedule = ScheduleJson.Deserialize(await File.ReadAllTextAsync(path, cancellationToken));
        _memory[text] = schedule;
        return schedule;
    }

    public async Task SetAsync(ScheduleKey key, Schedule schedule, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllTextAsync(temporary, ScheduleJson.Serialize(schedule), cancellationToken);
        File.Move(temporary, path, overwrite: true);
        _memory[key.ToString()] = schedule;
    }

    public async Task<IReadOnlyList<(string Key, Schedule Schedule)>> ListAsync(string model, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(_root, SafeName(model));
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var result = new List<(string, Schedule)>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var key = $"{model}:{Path.GetFileNameWithoutExtension(file)}";
            result.Add((key, ScheduleJson.Deserialize(await File.ReadAllTextAsync(file, cancellationToken))));
        }

        return result;
    }

    public Task<bool> PingAsync(CancellationToken cancellationToken = default) => Task.FromResult(Directory.Exists(_root));

    private string PathOf(ScheduleKey key)
    {
        var name = key.ToString()[(key.Model.Length + 1)..];
        return Path.Combine(_root, SafeName(key.Model), SafeName(name) + ".json");
    }

    private static string SafeName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':') && !name.Contains("..", StringComparison.Ordinal)
            ? name
            : throw new ArgumentException($"'{name}' is not a safe store name", nameof(name));
}
