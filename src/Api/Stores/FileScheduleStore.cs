using System.Collections.Concurrent;
using HsoService.Api.Schedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Api.Stores;

/// <summary>
/// The embedded schedule store: one JSON file per key under <c>{data}/schedules/{model}/</c>, written to a temporary
/// file and renamed over the old one, so a crash never leaves a half-written schedule and cached schedules survive
/// restarts. Model ids come from configuration only and are checked to be plain names before they become paths.
/// Schedules of non-default options (a key with an options hash) expire <c>optionRetention</c> after they were
/// written, as Redis expires them, so <c>seed</c> alone cannot fill the disk.
/// </summary>
public sealed class FileScheduleStore : IScheduleStore
{
    private readonly string _root;
    private readonly TimeSpan? _optionRetention;
    private readonly ConcurrentDictionary<string, Schedule> _memory = new();

    public FileScheduleStore(string dataDirectory, TimeSpan? optionRetention = null)
    {
        _optionRetention = optionRetention;
        _root = Path.GetFullPath(Path.Combine(dataDirectory, "schedules"));
        Directory.CreateDirectory(_root);
    }

    public async Task<Schedule?> GetAsync(ScheduleKey key, CancellationToken cancellationToken = default)
    {
        var text = key.ToString();
        var path = PathOf(key);
        if (Expired(path, key.OptionsHash is not null))
        {
            _memory.TryRemove(text, out _);
            return null;
        }

        if (_memory.TryGetValue(text, out var cached))
        {
            return cached;
        }

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
            if (Expired(file, key.Count(c => c == ':') > 3))
            {
                _memory.TryRemove(key, out _);
                continue;
            }

            result.Add((key, ScheduleJson.Deserialize(await File.ReadAllTextAsync(file, cancellationToken))));
        }

        return result;
    }

    public Task<bool> PingAsync(CancellationToken cancellationToken = default) => Task.FromResult(Directory.Exists(_root));

    // An expired schedule of non-default options is deleted when it is next looked at.
    private bool Expired(string path, bool hasOptions)
    {
        if (!hasOptions || _optionRetention is not { } retention || !File.Exists(path) || File.GetLastWriteTimeUtc(path) > DateTime.UtcNow - retention)
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

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
