namespace HsoService.Api.Schedules;

/// <summary>
/// The embedded store could not write to its data directory (a full disk, a read-only or unwritable directory): the one
/// operation fails (503 with Retry-After), nothing of it is kept or counted, and the next write tries again.
/// </summary>
public sealed class StoreWriteException(string what, Exception inner)
    : StoreUnavailableException($"the embedded store could not write {what} to its data directory (the disk is full, or the directory is read-only)", inner);
