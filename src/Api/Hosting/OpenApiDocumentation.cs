using System.Text.Json.Nodes;
using HsoService.Api.Generation;
using HsoService.Api.Schedules;
using HsoService.Api.Security;
using HsoService.Inference.Requests;
using HsoService.Optimization.Schedules;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace HsoService.Api.Hosting;

/// <summary>
/// The OpenAPI document at <c>/swagger/v1/swagger.json</c>, built from the wire's own JSON options (snake_case) and
/// the XML comments of every type on the wire, with the request fields' allowed values, the problem body every error
/// has, both content types of <c>/generate</c> and the <c>X-Api-Key</c> scheme on the routes that require it.
/// </summary>
public static class OpenApiDocumentation
{
    public const string ProblemContentType = "application/problem+json";

    /// <summary>The key sent as a bearer token (OpenAI's clients); either scheme satisfies a protected route.</summary>
    public const string BearerScheme = "Bearer";

    public static IServiceCollection AddHsoOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "HsoService",
                Version = "v1",
                Description = "Few-step diffusion sampling schedules (HSO, measured selection, families) and image generation through ONNX Runtime. Every error is application/problem+json.",
            });
            foreach (var assembly in new[] { typeof(Program), typeof(Schedule), typeof(Inference.Pipelines.DiffusionPipeline) }.Select(t => t.Assembly.GetName().Name))
            {
                var xml = Path.Combine(AppContext.BaseDirectory, $"{assembly}.xml");
                if (File.Exists(xml))
                {
                    options.IncludeXmlComments(xml);
                }
            }

            options.AddSecurityDefinition(ApiKeyAuthentication.SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthentication.Header,
                Description = "Needed on POST /schedules, DELETE /schedules/jobs/{id} and POST /generate when the service sets Hso:ApiKey.",
            });
            options.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The same key as Authorization: Bearer KEY, as OpenAI's clients send it.",
            });
            // A property that refers to another schema keeps its own description only inside allOf (OpenAPI 3.0 ignores $ref siblings).
            options.UseAllOfToExtendReferenceSchemas();

            // What the C# types promise is what the document says: a non-nullable property is always sent.
            options.SupportNonNullableReferenceTypes();
            options.NonNullableReferenceTypesAsRequired();
            options.OperationFilter<SwaggerExamples>();
            options.OperationFilter<WireOperations>();
            options.SchemaFilter<WireSchemas>();
        });
        return services;
    }

    /// <summary>Documents the problem answers an endpoint can give, each as <c>application/problem+json</c>.</summary>
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.ProducesProblem(status, ProblemContentType);
        }

        return builder;
    }

    /// <summary>Per operation: the API key requirement, the PNG body of <c>/generate</c>, the query parameters' allowed values.</summary>
    private sealed class WireOperations : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAuthorizeData>().Any())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyAuthentication.SchemeName, context.Document)] = [] });
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
            }

            var name = metadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName;
            if (name is "Generate" or "CreateImage" && operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
            {
                if (name == "Generate")
                {
                    response.Description = "The images: the PNG itself when response_format is png (n = 1), else JSON with base64 PNGs and the schedule used. X-Hso-Schedule-Source says where the schedule came from.";
                    response.Content ??= new Dictionary<string, OpenApiMediaType>();
                    response.Content["image/png"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } };
                }
                else
                {
                    response.Description = "The images as base64 PNGs, in OpenAI's shape. X-Hso-Schedule-Source says where the schedule came from.";
                }

                response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                response.Headers["X-Hso-Schedule-Source"] = Header(
                    "Where the schedule came from. For schedule auto: validated, selected, or family-default:<why> (selection-pending, no-scorer, nfe-above-limit, store-unavailable); for a named HSO, selected or validated schedule: cached or computed; family for a family; explicit for times or timesteps.");
                response.Headers["X-Hso-Seed"] = IntegerHeader("The seed of the (first) image, also when the request gave none.", "int64");
                response.Headers["X-Hso-Batch-Images"] = IntegerHeader("Images in the batch that sampled this request's, its own included: concurrent requests that sample alike share one run (Hso:GenerationBatchWindowMilliseconds).", "int32");
            }

            // A schedule served from an instance's memory while the store is unavailable says so.
            if (name is "Generate" or "CreateImage" or "GetSchedule" or "RequestSchedule"
                && operation.Responses?.TryGetValue("200", out var served) == true && served is OpenApiResponse fromMemory)
            {
                fromMemory.Headers ??= new Dictionary<string, IOpenApiHeader>();
                fromMemory.Headers["X-Hso-Stale"] = Header("store-unavailable when the schedule is this instance's copy, served because the store is unavailable; absent otherwise.");
            }

            foreach (var (status, answer) in operation.Responses ?? [])
            {
                if (answer is not OpenApiResponse documented)
                {
                    continue;
                }

                var header = status switch
                {
                    "202" => ("Location", "Where to watch the job: GET it until its status is succeeded, failed or cancelled."),
                    "429" or "503" => ("Retry-After", "Seconds to wait before trying again."),
                    _ => default,
                };
                if (header.Item1 is not null)
                {
                    documented.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    documented.Headers[header.Item1] = Header(header.Item2);
                }
            }

            // Any request can be refused for its URL or headers before it reaches an endpoint (RequestHeadLimit).
            if (operation.Responses?.TryGetValue("500", out var internalError) == true && internalError is OpenApiResponse problem)
            {
                operation.Responses["414"] = new OpenApiResponse { Description = $"URL longer than {RequestHeadLimit.MaxUrlBytes} bytes", Content = problem.Content };
                operation.Responses["431"] = new OpenApiResponse { Description = $"Headers larger than {RequestHeadLimit.MaxHeaderBytes} bytes", Content = problem.Content };
            }

            foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
            {
                if (parameter.Schema is OpenApiSchema schema && AllowedValues(parameter.Name) is { } values)
                {
                    schema.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v)!)];
                }

                parameter.Description ??= parameter.Name switch
                {
                    "model" => "A served model id (GET /models lists them).",
                    "nfe" => "Network evaluations of the sampler (2..50 for cached schedules).",
                    "solver" => "The sampler the schedule is for; the model's default solver when absent.",
                    "mode" => "How the schedule was made; selected (the measured choice) when absent.",
                    "seed" => "The optimizer's seed (HSO modes); 66 when absent.",
                    "strategy" => "Mode validated only: the strategy the schedule was searched with; the default (refine) when absent.",
                    "id" => "The job id from the 202 answer of POST /schedules.",
                    _ => null,
                };
            }
        }
    }

    /// <summary>Per schema: required request fields, allowed values of the request's string fields, and the problem body's extensions.</summary>
    private sealed class WireSchemas : ISchemaFilter
    {
        public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
        {
            if (schema is not OpenApiSchema target)
            {
                return;
            }

            if (context.Type == typeof(GenerateRequest) || context.Type == typeof(ScheduleRequest) || context.Type == typeof(OpenAiImageRequest))
            {
                var openAi = context.Type == typeof(OpenAiImageRequest);
                var samples = context.Type != typeof(ScheduleRequest);
                target.Required = openAi ? new HashSet<string> { "model", "prompt" } : new HashSet<string> { "model", "nfe" };
                foreach (var (name, property) in target.Properties ?? new Dictionary<string, IOpenApiSchema>())
                {
                    if (property is not OpenApiSchema field)
                    {
                        continue;
                    }

                    // OpenAI's route answers one format only.
                    var values = openAi ? name switch
                    {
                        "response_format" => ["b64_json"],
                        "output_format" => ["png"],
                        _ => AllowedValues(name),
                    } : AllowedValues(name);
                    if (values is not null)
                    {
                        field.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v)!)];
                    }

                    if (target.Required.Contains(name) && field.Type is { } type)
                    {
                        field.Type = type & ~JsonSchemaType.Null;
                    }

                    // The limits table, as the document's bounds.
                    (long Min, long Max)? range = name switch
                    {
                        "nfe" => samples ? (RequestLimits.SampleNfe.Min, RequestLimits.SampleNfe.Max) : (RequestLimits.OptimizeNfe.Min, RequestLimits.OptimizeNfe.Max),
                        "seed" => samples ? (RequestLimits.ImageSeed.Min, RequestLimits.ImageSeed.Max) : (RequestLimits.OptimizerSeed.Min, RequestLimits.OptimizerSeed.Max),
                        "n" => (RequestLimits.Images.Min, RequestLimits.Images.Max),
                        "width" or "height" => (RequestLimits.Side.Min, RequestLimits.Side.Max),
                        "guidance_scale" => (0, 50),
                        _ => null,
                    };
                    if (range is { } bounds)
                    {
                        field.Minimum = bounds.Min.ToString(System.Globalization.CultureInfo.InvariantCulture);
                        field.Maximum = bounds.Max.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }

                    if (name is "prompt" or "negative_prompt")
                    {
                        field.MaxLength = RequestLimits.MaxText;
                    }

                    if (name == "size")
                    {
                        field.Pattern = "^(auto|[0-9]+x[0-9]+)$";
                    }
                }
            }
            else if (context.Type == typeof(ProblemDetails))
            {
                target.Description = "An RFC 9457 problem: every error answer of the service has this shape.";
                target.Properties ??= new Dictionary<string, IOpenApiSchema>();
                target.Properties["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "Bad input: the offending fields, each with what was wrong and what is allowed.",
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                };
                target.Properties["error"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "Only on POST /v1/images/generations: OpenAI's error object (message, type, param, code), which OpenAI's clients read.",
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["message"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The problem's detail." },
                        ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "invalid_request_error, rate_limit_error or server_error." },
                        ["param"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "The offending field, when one is to blame." },
                        ["code"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "invalid_api_key, model_not_found or rate_limit_exceeded where one applies." },
                    },
                    Required = new HashSet<string> { "message", "type" },
                };
                target.Properties["trace_id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's W3C trace id, as in the service's logs and traces." };
                Describe(target, "type", "A URI naming the kind of problem (the RFC 9110 section of the status).");
                Describe(target, "title", "A short summary of the kind of problem.");
                Describe(target, "status", "The HTTP status code.");
                Describe(target, "detail", "What was wrong, in words: the field, the value and what is allowed.");
                // The service never sets instance, so the document does not promise it.
                target.Properties.Remove("instance");
            }
        }

        private static void Describe(OpenApiSchema schema, string property, string description)
        {
            if (schema.Properties?.TryGetValue(property, out var value) == true && value is OpenApiSchema field)
            {
                field.Description ??= description;
            }
        }
    }

    private static OpenApiHeader Header(string description) => new() { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };

    private static OpenApiHeader IntegerHeader(string description, string format) => new() { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = format } };

    private static IReadOnlyList<string>? AllowedValues(string? field) => field switch
    {
        "solver" => Solvers.AcceptedNames,
        "mode" => ScheduleModes.RequestNames,
        "strategy" => HsoService.Optimization.Validated.ValidatedStrategies.Names,
        "response_format" => ["png", "b64_json"],
        _ => null,
    };
}
