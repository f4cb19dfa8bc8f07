using System.Globalization;
using System.Text.Json;

namespace HsoService.Optimization.NoiseSchedules;

/// <summary>How diffusers' exponential or linear resolution shift maps a sigma (<c>time_shift_type</c>).</summary>
public enum TimeShiftType
{
    Exponential,
    Linear,
}

/// <summary>
/// The fields of a diffusers <c>FlowMatchEulerDiscreteScheduler</c> config. They do not change the noise process (a
/// rectified flow, x_s = (1 - s) x0 + s eps, whatever the shift), only which sigmas the scheduler visits by default:
/// a static <c>shift</c>, or with <c>use_dynamic_shifting</c> a shift mu that grows with the image's token count, and
/// <c>shift_terminal</c>, which stretches the sigmas so that the last one lands on it.
/// </summary>
public sealed record FlowMatchSettings
{
    /// <summary>Values diffusers accepts for <c>time_shift_type</c>.</summary>
    public static readonly IReadOnlyList<string> TimeShiftTypes = ["exponential", "linear"];

    /// <summary>Fields that would change the sigmas in a way this service does not reproduce; allowed only false.</summary>
    private static readonly string[] RefusedFlags = ["use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "invert_sigmas", "stochastic_sampling"];

    public double Shift { get; init; } = 1.0;
    public bool UseDynamicShifting { get; init; }
    public double BaseShift { get; init; } = 0.5;
    public double MaxShift { get; init; } = 1.15;
    public int BaseImageSeqLen { get; init; } = 256;
    public int MaxImageSeqLen { get; init; } = 4096;
    public TimeShiftType TimeShiftType { get; init; } = TimeShiftType.Exponential;
    public double? ShiftTerminal { get; init; }

    /// <summary>Reads the flow-matching fields of a scheduler config, refusing (by name) any that changes the math and is not modelled.</summary>
    internal static FlowMatchSettings Read(JsonElement root)
    {
        foreach (var flag in RefusedFlags)
        {
            if (root.TryGetProperty(flag, out var value) && value.ValueKind is not (JsonValueKind.False or JsonValueKind.Null))
            {
                throw new InvalidSchedulerConfigException(flag, $"{value.GetRawText()} is not supported: it changes the sigmas or the update this service samples with; allowed: false");
            }
        }

        var defaults = new FlowMatchSettings();
        var typeName = ReadString(root, "time_shift_type") ?? "exponential";
        var settings = new FlowMatchSettings
        {
            Shift = ReadDouble(root, "shift") ?? defaults.Shift,
            UseDynamicShifting = ReadBool(root, "use_dynamic_shifting") ?? false,
            BaseShift = ReadDouble(root, "base_shift") ?? defaults.BaseShift,
            MaxShift = ReadDouble(root, "max_shift") ?? defaults.MaxShift,
            BaseImageSeqLen = ReadInt(root, "base_image_seq_len") ?? defaults.BaseImageSeqLen,
            MaxImageSeqLen = ReadInt(root, "max_image_seq_len") ?? defaults.MaxImageSeqLen,
            TimeShiftType = typeName switch
            {
                "exponential" => TimeShiftType.Exponential,
                "linear" => TimeShiftType.Linear,
                _ => throw new InvalidSchedulerConfigException("time_shift_type", $"'{typeName}' is not one of {string.Join(", ", TimeShiftTypes)}"),
            },
            ShiftTerminal = ReadDouble(root, "shift_terminal"),
        };
        settings.Validate();
        return settings;
    }

    /// <summary>Throws <see cref="InvalidSchedulerConfigException"/> naming the first field out of range.</summary>
    public void Validate()
    {
        if (!UseDynamicShifting && !(double.IsFinite(Shift) && Shift > 0))
        {
            throw new InvalidSchedulerConfigException("shift", $"{Format(Shift)} must be a finite number > 0");
        }

        if (UseDynamicShifting)
        {
            if (!double.IsFinite(BaseShift) || !double.IsFinite(MaxShift))
            {
                throw new InvalidSchedulerConfigException(double.IsFinite(BaseShift) ? "max_shift" : "base_shift", "must be a finite number");
            }

            if (BaseImageSeqLen < 1 || MaxImageSeqLen <= BaseImageSeqLen)
            {
                throw new InvalidSchedulerConfigException("max_image_seq_len", $"base_image_seq_len {BaseImageSeqLen} and max_image_seq_len {MaxImageSeqLen} must satisfy 1 <= base < max");
            }
        }

        if (ShiftTerminal is { } terminal && !(double.IsFinite(terminal) && terminal > 0 && terminal < 1))
        {
            throw new InvalidSchedulerConfigException("shift_terminal", $"{Format(terminal)} must be in (0, 1) or null");
        }
    }

    private static string? ReadString(JsonElement root, string field) =>
        !root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null ? null
        : e.ValueKind == JsonValueKind.String ? e.GetString()
        : throw new InvalidSchedulerConfigException(field, $"expected a string, got {e.GetRawText()}");

    private static double? ReadDouble(JsonElement root, string field) =>
        !root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null ? null
        : e.ValueKind == JsonValueKind.Number ? e.GetDouble()
        : throw new InvalidSchedulerConfigException(field, $"expected a number, got {e.GetRawText()}");

    private static int? ReadInt(JsonElement root, string field) =>
        !root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null ? null
        : e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var value) ? value
        : throw new InvalidSchedulerConfigException(field, $"expected an integer, got {e.GetRawText()}");

    private static bool? ReadBool(JsonElement root, string field) =>
        !root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null ? null
        : e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean()
        : throw new InvalidSchedulerConfigException(field, $"expected true or false, got {e.GetRawText()}");

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
