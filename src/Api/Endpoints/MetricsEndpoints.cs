namespace HsoService.Api.Endpoints;

/// <summary>
/// GET /metrics: the service's meters in Prometheus' text format, from OpenTelemetry's exporter (names with dots as
/// underscores: <c>hso.generation.waiting</c> is <c>hso_generation_waiting</c>). Not in the OpenAPI document: it is
/// read by a scraper, not a client. Outside the rate limit, as the health probes are.
/// </summary>
public static class MetricsEndpoints
{
    public const string Path = "/metrics";

    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint(Path).DisableRateLimiting();
        return app;
    }
}
