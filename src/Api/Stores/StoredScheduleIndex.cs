using HsoService.Api.Schedules;

namespace HsoService.Api.Stores;

/// <summary>
/// The embedded store's record of who stored each schedule of non-default options and when, in memory: per owner and
/// in all, oldest first. <see cref="Record"/> answers which keys must go to keep <see cref="StoredScheduleBounds"/>.
/// Rebuilt at start from the files (each schedule's owner file and its write time), so the bound holds across restarts.
/// Thread-safe.
/// </summary>
public sealed class StoredScheduleIndex(StoredScheduleBounds bounds)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Owner, long Stored)> _entries = new(StringComparer.Ordinal);
    private readonly SortedSet<(long Stored, string Key)> _all = [];
    private readonly Dictionary<string, SortedSet<(long Stored, string Key)>> _byOwner = new(StringComparer.Ordinal);
    private long _last;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>A time (UTC ticks) later than every one handed out before, so two writes never tie.</summary>
    public long NextTime()
    {
        lock (_lock)
        {
            _last = Math.Max(DateTime.UtcNow.Ticks, _last + 1);
            return _last;
        }
    }

    /// <summary>
    /// Records <paramref name="key"/> as stored by <paramref name="owner"/> at <paramref name="stored"/> (replacing what
    /// was recorded for it: the last writer owns it) and returns the keys over the bounds, which are forgotten here and
    /// are the caller's to delete: the owner's oldest beyond <c>PerClient</c>, then the oldest of all beyond <c>Total</c>.
    /// </summary>
    public IReadOnlyList<string> Record(string key, string owner, long stored)
    {
        lock (_lock)
        {
            ForgetLocked(key);
            _entries[key] = (owner, stored);
            _all.Add((stored, key));
            Of(owner).Add((stored, key));
            _last = Math.Max(_last, stored);

            var removed = new List<string>();
            var own = Of(owner);
            while (owner != StoredScheduleBounds.NoClient && own.Count > bounds.PerClient)
            {
                removed.Add(ForgetLocked(own.Min.Key));
            }

            while (_all.Count > bounds.Total)
            {
                removed.Add(ForgetLocked(_all.Min.Key));
            }

            return removed;
        }
    }

    public void Forget(string key)
    {
        lock (_lock)
        {
            ForgetLocked(key);
        }
    }

    private string ForgetLocked(string key)
    {
        if (_entries.Remove(key, out var entry))
        {
            _all.Remove((entry.Stored, key));
            var own = Of(entry.Owner);
            own.Remove((entry.Stored, key));
            if (own.Count == 0)
            {
                _byOwner.Remove(entry.Owner);
            }
        }

        return key;
    }

    private SortedSet<(long Stored, string Key)> Of(string owner)
    {
        if (!_byOwner.TryGetValue(owner, out var own))
        {
            _byOwner[owner] = own = [];
        }

        return own;
    }
}
