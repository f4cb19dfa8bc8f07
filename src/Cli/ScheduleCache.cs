using HsoService.Inference.Storage;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Cli;

/// <summary>
/// The command's view of the embedded store's schedule files (<see cref="DataDirectory"/>), so a schedule measured by
/// <c>hso</c> is read by a service on the same data directory and the other way round. The command never holds the
/// service's lock: it writes only keys of default options, each file whole (a temporary file renamed over the old), so
/// a running service reads either schedule, never half of one. A service keeps what it has already read in memory
/// until it restarts.
/// </summary>
internal sealed class ScheduleCache(string dataDirectory)
{
    private readonly string _root = DataDirectory.Schedules(dataDirectory);

    /// <summary>The file a key's schedule is kept in.</summary>
    public string PathOf(ScheduleKey key) => DataDirectory.ScheduleFile(_root, key.ToString());

    /// <summary>
    /// The stored schedule of a key when there is one it may serve; a record that cannot be used (it does not parse,
    /// holds another key's schedule, or was made for another noise schedule) is reported on stderr and treated as missing.
    /// </summary>
    public Schedule? Read(ScheduleKey key, NoiseSchedule noise)
    {
        ArgumentNullException.ThrowIfNull(key);
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var schedule = StoredSchedule.Read(key.ToString(), File.ReadAllText(path));
            StoredSchedule.CheckNoise(key.ToString(), key.Model, schedule, noise);
            return schedule;
        }
        catch (Exception e) when (e is UnreadableRecordException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: {path} is not used: {(e is UnreadableRecordException unreadable ? unreadable.Reason : e.Message)}");
            return null;
        }
    }

    /// <summary>Stores a key's schedule; returns the file. A write that fails leaves the old file and says why on stderr.</summary>
    public string? Write(ScheduleKey key, Schedule schedule)
    {
        ArgumentNullException.ThrowIfNull(key);
        var path = PathOf(key);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(temporary, ScheduleJson.Serialize(schedule));
            File.Move(temporary, path, overwrite: true);
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            Console.Error.WriteLine($"warning: the schedule was not stored in {path} ({e.Message}); the next run measures it again");
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The service removes temporary files it finds at start.
        }
    }
}
