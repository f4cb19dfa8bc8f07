using System.Text.Json;
using System.Text.Json.Serialization;

namespace HsoService.Optimization.Schedules;

/// <summary>The JSON form of <see cref="Schedule"/> shared by the CLI, the API and the stores: snake_case names.</summary>
public static class ScheduleJson
{
    /// <summary>Serializer options: snake_case properties, enum names as strings, nulls omitted.</summary>
    public static JsonSerializerOptions Options { get; } = Create(writeIndented: false);

    /// <summary>As <see cref="Options"/>, indented for people.</summary>
    public static JsonSerializerOptions Indented { get; } = Create(writeIndented: true);

    public static string Serialize(Schedule schedule, bool indented = false) =>
        JsonSerializer.Serialize(schedule, indented ? Indented : Options);

    public static Schedule Deserialize(string json) =>
        JsonSerializer.Deserialize<Schedule>(json, Options) ?? throw new JsonException("schedule JSON is null");

    private static JsonSerializerOptions Create(bool writeIndented)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = writeIndented,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
