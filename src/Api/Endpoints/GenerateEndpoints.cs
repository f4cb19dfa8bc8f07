using HsoService.Api.Generation;
using HsoService.Api.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HsoService.Api.Endpoints;

/// <summary><c>POST /generate</c>: images from a served model with its cached optimal schedule (or any other).</summary>
public static class GenerateEndpoints
{
    public const string ScheduleSourceHeader = "X-Hso-Schedule-Source";

    /// <summary>Set when the schedule is this instance's copy, served because the store is unavailable.</summary>
    public const string StaleHeader = "X-Hso-Stale";
    public const string StaleValue = "store-unavailable";

    public static IEndpointRouteBuilder MapGenerateEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/generate", Generate)
            .WithTags("Generation")
            .WithName("Generate")
            .WithSummary("Generate images; with response_format png (the default for n = 1) the body is the PNG itself")
            .WithDescription("schedule auto (the default) serves the key's validated or selected schedule, else the solver's default family while the selection is queued; X-Hso-Schedule-Source says which.")
            .ProducesProblems(400, 401, 404, 413, 415, 429, 500, 503)
            .RequireAuthorization();
        return app;
    }

    public static async Task<Results<FileContentHttpResult, Ok<GenerateResponse>>> Generate(
        GenerateRequest request, GenerationService generation, ModelCatalog models, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await generation.GenerateAsync(GenerateCommand.Parse(request, models, WantsJson(context.Request)), cancellationToken);
        WriteHeaders(context.Response, result);
        if (result.Format == ResponseFormat.Png)
        {
            return TypedResults.File(result.Pngs[0], "image/png");
        }

        var data = result.Pngs.Select((png, i) => new GeneratedImage(Convert.ToBase64String(png), result.Seeds[i])).ToArray();
        return TypedResults.Ok(new GenerateResponse(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), data, result.Schedule, result.ScheduleSource));
    }

    /// <summary>What every generation answer says in its headers: the schedule's source, the first seed, the batch.</summary>
    public static void WriteHeaders(HttpResponse response, GenerationResult result)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(result);
        response.Headers[ScheduleSourceHeader] = result.ScheduleSource.Wire();
        response.Headers["X-Hso-Seed"] = result.Seeds[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["X-Hso-Batch-Images"] = result.BatchImages.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (result.Stale)
        {
            response.Headers[StaleHeader] = StaleValue;
        }
    }

    // A client that accepts JSON but not PNG (a generated client sends Accept: application/json) gets JSON by default.
    private static bool WantsJson(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        return accept.Count > 0
            && accept.Any(a => a.MediaType.Value is "application/json")
            && !accept.Any(a => a.MediaType.Value is "image/png" or "image/*" or "*/*");
    }
}
