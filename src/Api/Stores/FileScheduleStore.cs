using HsoService.Inference.Storage;
using System.Collections.Concurrent;
using HsoService.Api.Schedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Api.Stores;

/// <summary>
/// The embedded schedule store: one JSON file per key under <c>{data}/schedules/{model}/</c>, written to a temporary
/// file and renamed over the old one, so a crash never leaves a half-written schedule and cached schedules survive
/// restarts. Model ids come from configuration only and are checked to be plain names before they become paths.
/// Schedules of non-default options (a key with an options hash) expire <c>optionRetention</c> after they were
/// written, as Redis expires them, and are bounded in number (<see cref="StoredScheduleBounds"/>): each has an owner
/// file beside it (<c>{name}.owner</c>, the client that stored it; its time is the schedule file's write time), from
/// which <see cref="StoredScheduleIndex"/> is rebuilt at start, so <c>seed</c> alone cannot fill the disk, however
/// long one client keeps asking. A file that cannot be read or is not
/// the schedule its name says is <see cref="UnreadableRecordException"/> (skipped by the listing); a write that fails
/// (full disk, read-only directory) is <see cref="StoreWriteException"/> and leaves no temporary file.
/// </summary>
public sealed class FileScheduleStore : IScheduleStore
{
    private readonly string _root;
    private readonly TimeSpan? _optionRetention;
    private const string OwnerSuffix = ".owner";
    private readonly ConcurrentDictionary<string, Schedule> _memory = new();
    private readonly StoredScheduleIndex _index;

    // Writes of non-default keys one at a time: a key removed for the bound is never one being written again.
    private readonly SemaphoreSlim _optionWrites = new(1, 1);

    public FileScheduleStore(string dataDirectory, TimeSpan? optionRetention = null, StoredScheduleBounds? bounds = null)
    {
        _optionRetention = optionRetention;
        _root = DataDirectory.Schedules(dataDirectory);
        Directory.CreateDirectory(_root);
        AtomicFile.RemoveTemporaries(_root);
        _index = new StoredScheduleIndex(bounds ?? StoredScheduleBounds.None);
        Rebuild();
    }

    /// <summary>Schedules of non-default options this store holds (what its bounds count).</summary>
    public int OptionSchedules => _index.Count;

    // The index from the files, oldest first, so a bound lowered since the last run removes the oldest at start. A
    // schedule without an owner file (stored before owners were recorded) counts as stored by no client.
    private void Rebuild()
    {
        var stored = new List<(string Key, string Path, DateTime Written)>();
        foreach (var folder in Directory.EnumerateDirectories(_root))
        {
            var model = Path.GetFileName(folder);
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                var name = Path.GetFileName(file);
                if (name.EndsWith(OwnerSuffix, StringComparison.Ordinal) && !File.Exists(Path.ChangeExtension(file, ".json")))
                {
                    TryDelete(file);
                }
                else if (name.EndsWith(".json", StringComparison.Ordinal) && HasOptions(name))
                {
                    stored.Add(($"{model}:{Path.GetFileNameWithoutExtension(name)}", file, File.GetLastWriteTimeUtc(file)));
                }
            }
        }

        foreach (var (key, path, written) in stored.OrderBy(s => s.Written))
        {
            var ownerFile = Path.ChangeExtension(path, OwnerSuffix);
            var owner = File.Exists(ownerFile) ? ReadOwner(ownerFile) : StoredScheduleBounds.NoClient;
            foreach (var removed in _index.Record(key, owner, written.Ticks))
            {
                Delete(removed);
            }
        }
    }

    private static string ReadOwner(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return StoredScheduleBounds.NoClient;
        }
    }

    // A name solver:nfe:mode:hash (a model's folder holds model:solver:nfe:mode[:hash] without the model).
    private static bool HasOptions(string name) => name.Count(c => c == ':') > 2;

    public async Task<Schedule?> GetAsync(ScheduleKey key, CancellationToken cancellationToken = default)
    {
        var text = key.ToString();
        var path = PathOf(key);
        if (Expired(path, text, key.OptionsHash is not null))
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

    public async Task<IReadOnlyList<string>> SetAsync(ScheduleKey key, Schedule schedule, string? owner = null, CancellationToken cancellationToken = default)
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

        if (key.OptionsHash is null)
        {
            await AtomicFile.WriteAsync(path, ScheduleJson.Serialize(schedule), $"the schedule {key}", cancellationToken);
            _memory[key.ToString()] = schedule;
            return [];
        }

        await _optionWrites.WaitAsync(cancellationToken);
        try
        {
            // The owner file first: a crash between the two writes leaves the old schedule with its new owner, or an
            // owner file without a schedule (removed at start), never a schedule nobody is counted for. Written again,
            // the key moves to this writer and its time is now: the bound counts who stored it last.
            var text = key.ToString();
            var stored = _index.NextTime();
            await AtomicFile.WriteAsync(Path.ChangeExtension(path, OwnerSuffix), owner ?? StoredScheduleBounds.NoClient, $"the owner of schedule {key}", cancellationToken);
            await AtomicFile.WriteAsync(path, ScheduleJson.Serialize(schedule), $"the schedule {key}", cancellationToken);
            // The file's time is the index's, so the order rebuilt at start is the order written (the file system's
            // own clock is coarse: writes a few milliseconds apart share it).
            try
            {
                File.SetLastWriteTimeUtc(path, new DateTime(stored, DateTimeKind.Utc));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The file keeps the file system's time: the order at the next start may differ by milliseconds.
            }

            _memory[text] = schedule;
            var removed = _index.Record(text, owner ?? StoredScheduleBounds.NoClient, stored);
            foreach (var victim in removed)
            {
                Delete(victim);
            }

            return removed;
        }
        finally
        {
            _optionWrites.Release();
        }
    }

    // A schedule removed for the bound: its file, its owner file and its copy in memory.
    private void Delete(string key)
    {
        _memory.TryRemove(key, out _);
        var path = DataDirectory.ScheduleFile(_root, key);
        TryDelete(path);
        TryDelete(Path.ChangeExtension(path, OwnerSuffix));
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only directory keeps the file; forgotten by the index, it is counted again at the next start.
        }
    }

    public async Task<ScheduleListing> ListAsync(string model, string? after = null, int most = int.MaxValue, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(_root, DataDirectory.SafeName(model));
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

            if (Expired(file, key, key.Count(c => c == ':') > 3))
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
    // A read-only directory keeps the file; expired, it is not served either way.
    private bool Expired(string path, string key, bool hasOptions)
    {
        if (!hasOptions || _optionRetention is not { } retention || !File.Exists(path) || File.GetLastWriteTimeUtc(path) > DateTime.UtcNow - retention)
        {
            return false;
        }

        _index.Forget(key);
        TryDelete(path);
        TryDelete(Path.ChangeExtension(path, OwnerSuffix));
        return true;
    }

    private string PathOf(ScheduleKey key) => DataDirectory.ScheduleFile(_root, key.ToString());
}
