using System.Globalization;
using System.Text.Json;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Storage;

/// <summary>
/// A schedule read back from a store, checked before it is trusted: the value parses as a schedule, its solver, NFE and
/// mode are the ones its key <c>model:solver:nfe:mode[:hash]</c> names, and its times are as many as the solver takes,
/// non-increasing in (0, 1]. Anything else is <see cref="UnreadableRecordException"/>: the store's fault, treated as missing.
/// </summary>
public static class StoredSchedule
{
    public static Schedule Read(string key, string json)
    {
        Schedule schedule;
        try
        {
            schedule = ScheduleJson.Deserialize(json);
        }
        catch (JsonException e)
        {
            // The parser's message names .NET types; the path says where the value broke.
            throw new UnreadableRecordException(key, $"its value is not a schedule's JSON (at {(string.IsNullOrEmpty(e.Path) ? "$" : e.Path)})");
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw new UnreadableRecordException(key, "its value is not a schedule's JSON");
        }

        Check(key, schedule);
        return schedule;
    }

    /// <summary>Throws <see cref="UnreadableRecordException"/> unless <paramref name="schedule"/> is one its key may hold.</summary>
    public static void Check(string key, Schedule schedule)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(schedule);
        var parts = key.Split(':');
        if (parts.Length < 4)
        {
            throw new UnreadableRecordException(key, "its key is not model:solver:nfe:mode");
        }

        var (solver, nfe, mode) = (parts[1], parts[2], parts[3]);
        var holds = $"{schedule.Solver.Name()}:{schedule.Nfe.ToString(CultureInfo.InvariantCulture)}:{schedule.Mode.Name()}";
        if (holds != $"{solver}:{nfe}:{mode}")
        {
            throw new UnreadableRecordException(key, $"it holds a schedule for {schedule.Solver.Name()} nfe {schedule.Nfe} mode {schedule.Mode.Name()}, not the {solver} nfe {nfe} mode {mode} its key names");
        }

        var points = schedule.Solver.PointCount(schedule.Nfe);
        if (schedule.T is null || schedule.T.Count != points)
        {
            throw new UnreadableRecordException(key, $"its schedule holds {schedule.T?.Count ?? 0} times, not the {points} that {schedule.Solver.Name()} at nfe {schedule.Nfe} takes");
        }

        for (var i = 0; i < schedule.T.Count; i++)
        {
            var t = schedule.T[i];
            if (!double.IsFinite(t) || t <= 0 || t > 1 + 1e-12 || (i > 0 && t > schedule.T[i - 1]))
            {
                throw new UnreadableRecordException(key, "its schedule's times do not descend within (0, 1]");
            }
        }
    }

    /// <summary>Throws <see cref="UnreadableRecordException"/> when <paramref name="schedule"/> was made for another noise schedule than <paramref name="model"/>'s.</summary>
    public static void CheckNoise(string key, string model, Schedule schedule, NoiseSchedule noise)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(noise);
        if (schedule.NoiseScheduleHash != noise.Hash)
        {
            throw new UnreadableRecordException(key, $"its schedule was made for another noise schedule than {model}'s");
        }
    }
}
