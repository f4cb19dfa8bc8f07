using System.Text.Json;

namespace HsoService.Api.Tests;

/// <summary>
/// The service's OpenAPI document, read as a client generator reads it: operations by path and method, response
/// schemas by status and content type, and a check that a JSON value on the wire uses only the properties its schema
/// declares, in the same case.
/// </summary>
public sealed class OpenApiDocument(JsonElement root)
{
    public JsonElement Root { get; } = root;

    public static async Task<OpenApiDocument> ReadAsync(HttpClient client) =>
        new(await (await client.GetAsync("/swagger/v1/swagger.json")).JsonAsync());

    public IEnumerable<(string Path, string Method, JsonElement Operation)> Operations() =>
        from path in Root.GetProperty("paths").EnumerateObject()
        from method in path.Value.EnumerateObject()
        select (path.Name, method.Name, method.Value);

    public JsonElement Operation(string path, string method) => Root.GetProperty("paths").GetProperty(path).GetProperty(method);

    public IReadOnlyList<int> Statuses(string path, string method) =>
        [.. Operation(path, method).GetProperty("responses").EnumerateObject().Select(r => int.Parse(r.Name, System.Globalization.CultureInfo.InvariantCulture))];

    public JsonElement ResponseSchema(string path, string method, int status, string contentType) =>
        Operation(path, method).GetProperty("responses").GetProperty(status.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .GetProperty("content").GetProperty(contentType).GetProperty("schema");

    public IEnumerable<(string Schema, string Property, JsonElement Value)> Properties() =>
        from schema in Root.GetProperty("components").GetProperty("schemas").EnumerateObject()
        where schema.Value.TryGetProperty("properties", out _)
        from property in schema.Value.GetProperty("properties").EnumerateObject()
        select (schema.Name, property.Name, property.Value);

    /// <summary>Paths in <paramref name="value"/> whose property the schema does not declare (empty: the value fits).</summary>
    public IReadOnlyList<string> Undeclared(JsonElement schema, JsonElement value, string at = "$")
    {
        var found = new List<string>();
        Walk(schema, value, at, found);
        return found;
    }

    private void Walk(JsonElement schema, JsonElement value, string at, List<string> found)
    {
        schema = Resolve(schema);
        if (schema.TryGetProperty("allOf", out var all))
        {
            // Swashbuckle wraps a described $ref in allOf; every part must then be walked.
            foreach (var part in all.EnumerateArray())
            {
                Walk(part, value, at, found);
            }

            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Array when schema.TryGetProperty("items", out var items):
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Walk(items, item, $"{at}[{index++}]", found);
                }

                break;
            case JsonValueKind.Object:
                var declared = schema.TryGetProperty("properties", out var properties) ? properties : default;
                var additional = schema.TryGetProperty("additionalProperties", out var extra) && extra.ValueKind == JsonValueKind.Object ? extra : default;
                foreach (var property in value.EnumerateObject())
                {
                    if (declared.ValueKind == JsonValueKind.Object && declared.TryGetProperty(property.Name, out var propertySchema))
                    {
                        Walk(propertySchema, property.Value, $"{at}.{property.Name}", found);
                    }
                    else if (additional.ValueKind == JsonValueKind.Object)
                    {
                        Walk(additional, property.Value, $"{at}.{property.Name}", found);
                    }
                    else
                    {
                        found.Add($"{at}.{property.Name}");
                    }
                }

                break;
        }
    }

    private JsonElement Resolve(JsonElement schema)
    {
        while (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            schema = Root.GetProperty("components").GetProperty("schemas").GetProperty(name);
        }

        return schema;
    }
}
