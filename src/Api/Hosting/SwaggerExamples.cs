using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace HsoService.Api.Hosting;

/// <summary>Request examples for the Swagger UI: bodies of the POST endpoints and every path and query parameter.</summary>
public sealed class SwaggerExamples : IOperationFilter
{
    private static readonly Dictionary<string, string> Bodies = new()
    {
        ["RequestSchedule"] = """{"model": "digits16-ddpm", "solver": "dpmpp2m", "nfe": 6, "mode": "selected"}""",
        ["Generate"] = """{"model": "digits16-ddpm", "nfe": 8, "solver": "dpmpp2m", "schedule": "auto", "class_label": 3, "seed": 1, "n": 4, "response_format": "b64_json"}""",
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var name = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName;
        if (name is not null && Bodies.TryGetValue(name, out var body) && operation.RequestBody?.Content is { } content && content.TryGetValue("application/json", out var media))
        {
            media.Example = JsonNode.Parse(body);
        }

        if (operation.Parameters is { } parameters)
        {
            foreach (var parameter in parameters.OfType<OpenApiParameter>())
            {
                parameter.Example = parameter.Name switch
                {
                    "model" => JsonValue.Create("digits16-ddpm"),
                    "nfe" => JsonValue.Create(6),
                    "solver" => JsonValue.Create("dpmpp2m"),
                    "mode" => JsonValue.Create("selected"),
                    "id" => JsonValue.Create("3f2a9c0e1b7d4e8f9a6b5c4d3e2f1a0b"),
                    "seed" => JsonValue.Create(66),
                    _ => parameter.Example,
                };
            }
        }
    }
}
