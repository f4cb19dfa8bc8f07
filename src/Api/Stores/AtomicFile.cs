using HsoService.Api.Schedules;

namespace HsoService.Api.Stores;

/// <summary>
/// The embedded store's files written whole or not at all: to a temporary file beside the target, then renamed over
/// it. A write that fails (a full disk, a read-only directory) removes its temporary file and throws
/// <see cref="StoreWriteException"/>; the file it was to replace is left as it was.
/// </summary>
public static class AtomicFile
{
    private const string TemporarySuffix = ".tmp";

    public static async Task WriteAsync(string path, string text, string what, CancellationToken cancellationToken = default)
    {
        var temporary = TemporaryFor(path);
        try
        {
            await File.WriteAllTextAsync(temporary, text, cancellationToken);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(temporary);
            throw e is IOException or UnauthorizedAccessException ? new StoreWriteException(what, e) : e;
        }
    }

    public static void Write(string path, string text, string what)
    {
        var temporary = TemporaryFor(path);
        try
        {
            File.WriteAllText(temporary, text);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(temporary);
            throw e is IOException or UnauthorizedAccessException ? new StoreWriteException(what, e) : e;
        }
    }

    /// <summary>
    /// Deletes temporary files a crashed process left under a directory (the data directory's owner calls it at start,
    /// when no other process writes there); returns how many.
    /// </summary>
    public static int RemoveTemporaries(string directory)
    {
        var removed = 0;
        try
        {
            foreach (var file in Directory.EnumerateFiles(directory, "*" + TemporarySuffix, SearchOption.AllDirectories))
            {
                removed += TryDelete(file) ? 1 : 0;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A folder that cannot be listed keeps its leftovers; they are never read.
        }

        return removed;
    }

    private static string TemporaryFor(string path) => $"{path}.{Guid.NewGuid():N}{TemporarySuffix}";

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
