using System.Collections.Concurrent;
using HsoService.Api.Schedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Api.Stores;

/// <summary>
/// The embedded schedule store: one JSON file per key under <c>{data}/schedules/{model}/</c>, written to a temporary
/// file and renamed over the old one, so a crash never leaves a half-written schedule and cached schedules survive
/// restarts. Model ids come from configuration only and are checked to be plain names before they become paths.
/// Schedules of non-default options (a key with an options hash) expire <c>optionRetention</c> after they were
/// written, as Redis expires them, so <c>seed</c> alone cannot fill the disk. A file that cannot be read or is not
/// the schedule its name says is <see cref="UnreadableRecordException"/> (skipped by the listing); a write that fails
/// (full disk, read-only directory) is <see cref="StoreWriteException"/> and leaves no temporary file.
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
        AtomicFile.RemoveTemporaries(_root);
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

        var schedule = StoredSchedule.Read(text, await ReadAsync(text, path, cancellationToken));
        _memory[text] = schedule;
        return schedule;
    }

    public async Task SetAsync(ScheduleKey key, Schedule schedule, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreWriteException($"the schedule {key}", e);
        }

        await AtomicFile.WriteAsync(path, ScheduleJson.Serialize(schedule), $"the schedule {key}", cancellationToken);
        _memory[key.ToString()] = schedule;
    }

    public async Task<ScheduleListing> ListAsync(string model, string? after = null, int most = int.MaxValue, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(_root, SafeName(model));
        if (!Directory.Exists(folder))
        {
            return ScheduleListing.Empty;
        }

        // The folder's names are the index: sorted and cut by the cursor before any file is read.
        var names = Directory.EnumerateFiles(folder, "*.json")
            .Select(file => (Key: $"{model}:{Path.GetFileNameWithoutExtension(file)}", File: file))
            .Where(name => after is null || string.CompareOrdinal(name.Key, after) > 0)
            .OrderBy(name => name.Key, StringComparer.Ordinal);
        var result = new List<(string, Schedule)>();
        var unreadable = new List<(string, string)>();
        foreach (var (key, file) in names)
        {
            if (result.Count >= most)
            {
                break;
            }

            if (Expired(file, key.Count(c => c == ':') > 3))
            {
                _memory.TryRemove(key, out _);
                continue;
            }

            try
            {
                // This instance is the directory's only writer (DataDirectoryLock), so what it read or wrote is current.
                var schedule = _memory.TryGetValue(key, out var cached) ? cached : StoredSchedule.Read(key, await ReadAsync(key, file, cancellationToken));
                _memory[key] = schedule;
                result.Add((key, schedule));
            }
            catch (UnreadableRecordException e)
            {
                _memory.TryRemove(key, out _);
                unreadable.Add((key, e.Reason));
            }
        }

        return new ScheduleListing(result, unreadable);
    }

    private static async Task<string> ReadAsync(string key, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UnreadableRecordException(key, $"its file cannot be read ({e.GetType().Name})");
        }
    }

    public Task<bool> PingAsync(CancellationToken cancellationToken = default) => Task.FromResult(Directory.Exists(_root));

    // An expired schedule of non-default options is deleted when it is next looked at.
    private bool Expired(string path, bool hasOptions)
    {
        if (!hasOptions || _optionRetention is not { } retention || !File.Exists(path) || File.GetLastWriteTimeUtc(path) > DateTime.UtcNow - retention)
        {
            return false;
        }

        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only directory keeps the file; expired, it is not served either way.
        }

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
