using HsoService.Api.Hosting;
using HsoService.Api.Schedules;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HsoService.Api.Endpoints;

/// <summary>Liveness (the process answers) and readiness (store reachable, models loaded).</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTags("Health").DisableRateLimiting();
        group.MapGet("/live", () => TypedResults.Ok(new HealthReport("live", null, null))).WithName("Live").WithSummary("200 while the process answers");
        group.MapGet("/ready", Ready).WithName("Ready").WithSummary("200 when the store answers and the models are loaded, else 503 with the same body")
            .Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> Ready(IScheduleStore store, ModelWarmup warmup, CancellationToken cancellationToken)
    {
        bool storeUp;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            storeUp = await store.PingAsync(timeout.Token);
        }
        catch (Exception e) when (ScheduleService.IsOutage(e) || e is OperationCanceledException)
        {
            storeUp = false;
        }

        var report = new HealthReport(storeUp && warmup.Ready ? "ready" : "not_ready", storeUp ? "up" : "down", warmup.Ready ? "loaded" : warmup.Error ?? "loading");
        return storeUp && warmup.Ready ? TypedResults.Ok(report) : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

/// <summary>A health answer.</summary>
/// <param name="Status">live, ready or not_ready.</param>
/// <param name="Store">up or down: whether the schedule store answers (readiness only).</param>
/// <param name="Models">loaded, loading, or why loading failed (readiness only).</param>
public sealed record HealthReport(string Status, string? Store, string? Models);
