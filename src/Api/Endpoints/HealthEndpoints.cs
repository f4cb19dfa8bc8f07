using HsoService.Api.Hosting;
using HsoService.Api.Schedules;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HsoService.Api.Endpoints;

/// <summary>
/// Liveness (the process answers), start-up (models loaded and warmed up: Kubernetes' startupProbe, which holds the
/// other probes off until then) and readiness (store reachable, models loaded).
/// </summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTags("Health").DisableRateLimiting();
        group.MapGet("/live", () => TypedResults.Ok(new HealthReport("live", null, null))).WithName("Live").WithSummary("200 while the process answers");
        group.MapGet("/started", Started).WithName("Started").WithSummary("200 once every model is loaded and warmed up, else 503 naming the one still loading")
            .Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/ready", Ready).WithName("Ready").WithSummary("200 when the store answers and the models are loaded and warmed up, else 503 with the same body")
            .Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    /// <summary>Start-up alone, whatever the store: a store outage at rollout takes pods out of service, it does not restart them.</summary>
    public static Results<Ok<HealthReport>, JsonHttpResult<HealthReport>> Started(ModelWarmup warmup) => warmup.Ready
        ? TypedResults.Ok(new HealthReport("started", null, warmup.State))
        : TypedResults.Json(new HealthReport("starting", null, warmup.State), statusCode: StatusCodes.Status503ServiceUnavailable);

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

        var report = new HealthReport(storeUp && warmup.Ready ? "ready" : "not_ready", storeUp ? "up" : "down", warmup.State);
        return storeUp && warmup.Ready ? TypedResults.Ok(report) : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

/// <summary>A health answer.</summary>
/// <param name="Status">live; started or starting; ready or not_ready.</param>
/// <param name="Store">up or down: whether the schedule store answers (readiness only).</param>
/// <param name="Models">loaded; loading or warming up the model it names (for example <c>loading sdxl (1 of 2 models ready)</c>); or why loading failed (start-up and readiness only).</param>
public sealed record HealthReport(string Status, string? Store, string? Models);
