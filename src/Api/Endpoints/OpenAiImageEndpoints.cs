using HsoService.Api.Generation;
using HsoService.Api.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HsoService.Api.Endpoints;

/// <summary>
/// <c>POST /v1/images/generations</c>: OpenAI's images API beside ours, so OpenAI's clients generate with a served
/// model (their base URL set to this service's <c>/v1</c>). The same generation as <c>POST /generate</c> with
/// schedule auto; errors are the service's problems with OpenAI's <c>error</c> object inside.
/// </summary>
public static class OpenAiImageEndpoints
{
    public const string Route = "/v1/images/generations";

    /// <summary>True for a request to this route, whose problems carry OpenAI's error object.</summary>
    public static bool Handles(HttpRequest request) => request?.Path.StartsWithSegments("/v1", StringComparison.Ordinal) == true;

    public static IEndpointRouteBuilder MapOpenAiImageEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route, CreateImage)
            .WithTags("OpenAI images")
            .WithName("CreateImage")
            .WithSummary("Generate images with OpenAI's images API (request and answer in OpenAI's shape)")
            .WithDescription("The same generation as POST /generate with schedule auto; the key may be sent as Authorization: Bearer, as OpenAI's clients do. X-Hso-Schedule-Source says where the schedule came from.")
            .ProducesProblems(400, 401, 404, 413, 415, 429, 500, 503)
            .RequireAuthorization();
        return app;
    }

    public static async Task<Ok<OpenAiImageResponse>> CreateImage(
        OpenAiImageRequest request, GenerationService generation, ModelCatalog models, HttpContext context, CancellationToken cancellationToken)
    {
        var command = OpenAiImageCommand.Parse(request, models);
        var result = await generation.GenerateAsync(command, cancellationToken);
        GenerateEndpoints.WriteHeaders(context.Response, result);
        var shape = command.Pipeline.ImageShape(command.Conditioning);
        return TypedResults.Ok(new OpenAiImageResponse(
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            [.. result.Pngs.Select(png => new OpenAiImage(Convert.ToBase64String(png)))],
            "png",
            FormattableString.Invariant($"{shape[^1]}x{shape[^2]}")));
    }
}
