using System.Text.Json;
using System.Text.Json.Serialization;

namespace HsoService.Api.Generation;

/// <summary>
/// Where a <c>/generate</c> schedule came from, as the <c>X-Hso-Schedule-Source</c> header and the JSON answer's
/// <c>schedule_source</c> both say it (the wire names are the attributes here, read by <see cref="ScheduleSources.Wire"/>).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScheduleSource>))]
public enum ScheduleSource
{
    /// <summary>Times or diffusers timesteps given in the request.</summary>
    [JsonStringEnumMemberName("explicit")]
    Explicit,

    /// <summary>A named family built for the request.</summary>
    [JsonStringEnumMemberName("family")]
    Family,

    /// <summary>A named HSO, selected or validated schedule read from the store.</summary>
    [JsonStringEnumMemberName("cached")]
    Cached,

    /// <summary>A named HSO schedule searched for this key (once, shared by the requests that waited for it).</summary>
    [JsonStringEnumMemberName("computed")]
    Computed,

    /// <summary>auto: the key's stored validated schedule.</summary>
    [JsonStringEnumMemberName("validated")]
    Validated,

    /// <summary>auto: the key's stored measured selection.</summary>
    [JsonStringEnumMemberName("selected")]
    Selected,

    /// <summary>auto: the selection is queued (or running); the default family is served until it is stored.</summary>
    [JsonStringEnumMemberName("family-default:selection-pending")]
    SelectionPending,

    /// <summary>auto: the model has no feature extractor with reference statistics, so nothing can be measured.</summary>
    [JsonStringEnumMemberName("family-default:no-scorer")]
    NoScorer,

    /// <summary>auto: NFE above the optimizer's limit, for which nothing is measured or optimized.</summary>
    [JsonStringEnumMemberName("family-default:nfe-above-limit")]
    NfeAboveLimit,

    /// <summary>auto: the store could not be read; the default family needs no store.</summary>
    [JsonStringEnumMemberName("family-default:store-unavailable")]
    StoreUnavailable,
}

/// <summary>The wire names of <see cref="ScheduleSource"/>.</summary>
public static class ScheduleSources
{
    private static readonly Dictionary<ScheduleSource, string> Names =
        Enum.GetValues<ScheduleSource>().ToDictionary(source => source, source => JsonSerializer.Deserialize<string>(JsonSerializer.Serialize(source))!);

    /// <summary>The name the header and the JSON answer carry.</summary>
    public static string Wire(this ScheduleSource source) => Names[source];
}
