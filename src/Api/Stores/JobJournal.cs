using System.Text.Json;
using HsoService.Api.Hosting;
using HsoService.Api.Schedules;

namespace HsoService.Api.Stores;

/// <summary>
/// The embedded queue's jobs on disk, one JSON file per job under <c>{data}/jobs/</c>, written to a temporary file and
/// renamed, so jobs accepted with 202 survive a restart of an instance without Redis and run again with the same id.
/// </summary>
public sealed class JobJournal
{
    private static readonly JsonSerializerOptions Json = CreateJson();
    private readonly string _directory;

    public JobJournal(string directory)
    {
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
    }

    public void Save(OptimizationJob job)
    {
        var path = PathOf(job.Id);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        // The client is kept beside the job (it is never sent to clients), so a restored job still counts against
        // its client's limit of active jobs.
        File.WriteAllText(temporary, JsonSerializer.Serialize(new Entry(job, job.Client), Json));
        File.Move(temporary, path, overwrite: true);
    }

    public void Delete(string id) => File.Delete(PathOf(id));

    /// <summary>Every job written before, oldest first; files that cannot be read are skipped (a crash mid-rename).</summary>
    public IReadOnlyList<OptimizationJob> Load()
    {
        var jobs = new List<OptimizationJob>();
        foreach (var file in Directory.EnumerateFiles(_directory, "*.json"))
        {
            try
            {
                // Written before the client was kept, a file is the job itself: it reads as an entry without a job.
                var text = File.ReadAllText(file);
                var entry = JsonSerializer.Deserialize<Entry>(text, Json);
                if ((entry?.Job is { } job ? job with { Client = entry.Client } : JsonSerializer.Deserialize<OptimizationJob>(text, Json)) is { } loaded)
                {
                    jobs.Add(loaded);
                }
            }
            catch (JsonException)
            {
                // Not a whole job: nothing to run again.
            }
        }

        return [.. jobs.OrderBy(j => j.CreatedAt)];
    }

    // Job ids are the service's own (32 hex digits); anything else never becomes a path.
    private string PathOf(string id) => id.Length is > 0 and <= 64 && id.All(char.IsAsciiLetterOrDigit)
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
