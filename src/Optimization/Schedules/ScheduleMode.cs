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

    /// <summary>
    /// The best of the candidates (families, HSO, cached schedules) measured once each on the model's calibration draw:
    /// what <c>auto</c> serves, at a few percent of a validated search's cost.
    /// </summary>
    [JsonStringEnumMemberName("selected")]
    Selected,

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

    /// <summary>The mode of a schedule request that names none: the measured selection.</summary>
    public const string DefaultRequestMode = "selected";

    /// <summary>Modes a schedule request may ask for: the measured selection (the default), the validated search and the optimizer's.</summary>
    public static readonly IReadOnlyList<string> RequestNames = ["selected", "validated", "paper", "robust"];

    public static string Name(this ScheduleMode mode) => mode.ToString().ToLowerInvariant();

    /// <summary>Parses an optimizer mode (paper or robust); throws naming the allowed values.</summary>
    public static ScheduleMode ParseOptimizerMode(string name, string field = "mode") => name?.Trim().ToLowerInvariant() switch
    {
        "paper" => ScheduleMode.Paper,
        "robust" => ScheduleMode.Robust,
        _ => throw new HsoArgumentException($"{field} '{name}' is not one of {string.Join(", ", OptimizerNames)}", field),
    };

    /// <summary>Parses a requested mode (selected, validated, paper or robust); throws naming the allowed values.</summary>
    public static ScheduleMode ParseRequestMode(string name, string field = "mode") => name?.Trim().ToLowerInvariant() switch
    {
        "selected" => ScheduleMode.Selected,
        "validated" => ScheduleMode.Validated,
        "paper" or "robust" => ParseOptimizerMode(name, field),
        _ => throw new HsoArgumentException($"{field} '{name}' is not one of {string.Join(", ", RequestNames)}", field),
    };
}
