using System.Text.Json;
using HsoService.Api.Hosting;
using HsoService.Api.Schedules;

namespace HsoService.Api.Stores;

/// <summary>
/// The embedded queue's jobs on disk, one JSON file per job under <c>{data}/jobs/</c>, written to a temporary file and
/// renamed, so jobs accepted with 202 survive a restart of an instance without Redis and run again with the same id.
/// An entry that cannot be read back (unreadable, not a job, not a job id of the service's) is skipped and reported; a
/// write that fails is <see cref="StoreWriteException"/> and leaves no temporary file.
/// </summary>
public sealed class JobJournal
{
    private const string StoreName = "job journal";
    private static readonly JsonSerializerOptions Json = CreateJson();
    private readonly string _directory;
    private readonly UnreadableRecords? _unreadable;
    private readonly ILogger? _logger;
    private int _failingWrites;

    public JobJournal(string directory, UnreadableRecords? unreadable = null, ILogger<JobJournal>? logger = null)
    {
        _directory = Path.GetFullPath(directory);
        _unreadable = unreadable;
        _logger = logger;
        Directory.CreateDirectory(_directory);
        AtomicFile.RemoveTemporaries(_directory);
    }

    /// <summary>Writes the job's state; throws <see cref="StoreWriteException"/> when it cannot (nothing is kept then).</summary>
    public void Save(OptimizationJob job)
    {
        // The client is kept beside the job (it is never sent to clients), so a restored job still counts against
        // its client's limit of active jobs.
        AtomicFile.Write(PathOf(job.Id), JsonSerializer.Serialize(new Entry(job, job.Client), Json), $"job {job.Id}");
        if (Interlocked.Exchange(ref _failingWrites, 0) > 0)
        {
            _logger?.LogInformation("The job journal writes again");
        }
    }

    /// <summary>
    /// Writes the job's state if it can; a failure is logged (once until a write succeeds again) and returns false. For
    /// state changes after a job was accepted: the queue in memory goes on, and a restart finds the job's last state
    /// that could be written (at worst queued, so it runs again).
    /// </summary>
    public bool TrySave(OptimizationJob job)
    {
        try
        {
            Save(job);
            return true;
        }
        catch (StoreWriteException e)
        {
            if (Interlocked.Increment(ref _failingWrites) == 1)
            {
                _logger?.LogWarning("The job journal cannot write ({Reason}); jobs go on in memory and are written again once it can", e.InnerException?.GetType().Name);
            }

            return false;
        }
    }

    public void Delete(string id)
    {
        try
        {
            File.Delete(PathOf(id));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next time it is forgotten; a finished job read back is only a job to answer for.
        }
    }

    /// <summary>Every job written before, oldest first; entries that cannot be read are skipped and reported.</summary>
    public IReadOnlyList<OptimizationJob> Load()
    {
        var jobs = new List<OptimizationJob>();
        IEnumerable<string> files;
        try
        {
            files = [.. Directory.EnumerateFiles(_directory, "*.json")];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _unreadable?.Report(StoreName, "directory", "jobs", $"the directory cannot be listed ({e.GetType().Name})");
            return [];
        }

        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            try
            {
                // Written before the client was kept, a file is the job itself: it reads as an entry without a job.
                var text = File.ReadAllText(file);
                var entry = JsonSerializer.Deserialize<Entry>(text, Json);
                var loaded = entry?.Job is { } job ? job with { Client = entry.Client } : JsonSerializer.Deserialize<OptimizationJob>(text, Json);
                if (loaded is null)
                {
                    _unreadable?.Report(StoreName, "job", name, "it holds no job");
                }
                else if (!IsJobId(loaded.Id) || $"{loaded.Id}.json" != name)
                {
                    _unreadable?.Report(StoreName, "job", name, "its id is not a job id of this service's, or not its file's name");
                }
                else
                {
                    jobs.Add(loaded);
                }
            }
            catch (JsonException e)
            {
                // Not a whole job (a crash mid-rename, an edited file): nothing to run again.
                _unreadable?.Report(StoreName, "job", name, $"it is not a job's JSON (at {(string.IsNullOrEmpty(e.Path) ? "$" : e.Path)})");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException or InvalidOperationException)
            {
                _unreadable?.Report(StoreName, "job", name, $"it cannot be read ({e.GetType().Name})");
            }
        }

        return [.. jobs.OrderBy(j => j.CreatedAt)];
    }

    // Job ids are the service's own (32 hex digits); anything else never becomes a path.
    private static bool IsJobId(string? id) => id is { Length: > 0 and <= 64 } && id.All(char.IsAsciiLetterOrDigit);

    private string PathOf(string id) => IsJobId(id)
        ? Path.Combine(_directory, id + ".json")
        : throw new ArgumentException($"'{id}' is not a job id", nameof(id));

    private sealed record Entry(OptimizationJob Job, string? Client);

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions();
        ServiceRegistration.Configure(options);
        options.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip;
        return options;
    }
}
