namespace HsoService.Inference.Storage;

/// <summary>
/// What lives under a data directory (<c>Hso:DataDirectory</c>), named once so the service's embedded store and the
/// <c>hso</c> command read and write the same files: schedules one JSON file per key under <c>schedules/</c>, and the
/// calibration cache under <c>calibration/</c>.
/// </summary>
public static class DataDirectory
{
    /// <summary>Where the service and the command keep their data unless told otherwise.</summary>
    public static string Default { get; } = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "hso", "data");

    /// <summary>The folder of the stored schedules, one subfolder per model.</summary>
    public static string Schedules(string dataDirectory) => Path.GetFullPath(Path.Combine(dataDirectory, "schedules"));

    /// <summary>The folder of the calibration cache (reference runs, teacher runs).</summary>
    public static string Calibration(string dataDirectory) => Path.Combine(dataDirectory, "calibration");

    /// <summary>
    /// The file of a stored schedule: <c>{schedules}/{model}/{solver}:{nfe}:{mode}[:hash].json</c>. Model ids come
    /// from configuration, and are checked to be plain names before they become paths.
    /// </summary>
    public static string ScheduleFile(string schedulesRoot, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var separator = key.IndexOf(':', StringComparison.Ordinal);
        if (separator <= 0)
        {
            throw new ArgumentException($"'{key}' is not a schedule key model:solver:nfe:mode", nameof(key));
        }

        return Path.Combine(schedulesRoot, SafeName(key[..separator]), SafeName(key[(separator + 1)..]) + ".json");
    }

    /// <summary>A name that may become a path segment: letters, digits, '-', '_', '.', ':' and no "..".</summary>
    public static string SafeName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':') && !name.Contains("..", StringComparison.Ordinal)
            ? name
            : throw new ArgumentException($"'{name}' is not a safe store name", nameof(name));
}
