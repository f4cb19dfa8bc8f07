using System.Text.Json.Serialization;

namespace HsoService.Optimization.Schedules;

/// <summary>How a schedule was made.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScheduleMode>))]
public enum ScheduleMode
{
    /// <summary>HSO as the paper specifies it: unconstrained lower level, spacing only as a penalty.</summary>
    [JsonStringEnumMemberName("paper")]
    Paper,

    /// <summary>HSO whose lower level keeps every gap at least d_min when that is feasible.</summary>
    [JsonStringEnumMemberName("robust")]
    Robust,

    /// <summary>Chosen and refined by sample quality measured on the model (the validated search).</summary>
    [JsonStringEnumMemberName("validated")]
    Validated,

    /// <summary>A named baseline family (uniform_t, uniform_lambda, edm, quadratic_t, ays).</summary>
    [JsonStringEnumMemberName("family")]
    Family,

    /// <summary>Times given explicitly by the caller.</summary>
    [JsonStringEnumMemberName("explicit")]
    Explicit,
}

/// <summary>Parsing of <see cref="ScheduleMode"/> names for the optimizer.</summary>
public static class ScheduleModes
{
    /// <summary>Modes the HSO optimizer runs.</summary>
    public static readonly IReadOnlyList<string> OptimizerNames = ["paper", "robust"];

    /// <summary>Modes a schedule request may ask for: the optimizer's and the validated search.</summary>
    public static readonly IReadOnlyList<string> RequestNames = ["paper", "robust", "validated"];

    public static string Name(this ScheduleMode mode) => mode.ToString().ToLowerInvariant();

    /// <summary>Parses an optimizer mode (paper or robust); throws naming the allowed values.</summary>
    public static ScheduleMode ParseOptimizerMode(string name, string field = "mode") => name?.Trim().ToLowerInvariant() switch
    {
        "paper" => ScheduleMode.Paper,
        "robust" => ScheduleMode.Robust,
        _ => throw new HsoArgumentException($"{field} '{name}' is not one of {string.Join(", ", OptimizerNames)}", field),
    };

    /// <summary>Parses a requested mode (paper, robust or validated); throws naming the allowed values.</summary>
    public static ScheduleMode ParseRequestMode(string name, string field = "mode") => name?.Trim().ToLowerInvariant() switch
    {
        "validated" => ScheduleMode.Validated,
        "paper" or "robust" => ParseOptimizerMode(name, field),
        _ => throw new HsoArgumentException($"{field} '{name}' is not one of {string.Join(", ", RequestNames)}", field),
    };
}
