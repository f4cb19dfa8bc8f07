using HsoService.Api.Configuration;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Endpoints;

/// <summary>All endpoint groups; a worker-only instance maps just the health probes (and /metrics, as every role does when it is on).</summary>
public static class EndpointMapping
{
    public static IEndpointRouteBuilder MapHsoEndpoints(this IEndpointRouteBuilder app)
    {
        var settings = app.ServiceProvider.GetRequiredService<IOptions<HsoServiceOptions>>().Value;
        if (settings.PrometheusMetrics)
        {
            app.MapMetricsEndpoint();
        }

        if (settings.Role == ServiceRole.Worker)
        {
            return app.MapHealthEndpoints();
        }

        // People who open the root land on the Swagger UI.
        app.MapGet("/", () => Results.Redirect("/swagger")).ExcludeFromDescription();
        return app.MapScheduleEndpoints().MapGenerateEndpoints().MapOpenAiImageEndpoints().MapModelEndpoints().MapHealthEndpoints();
    }
}
