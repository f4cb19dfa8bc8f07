using HsoService.Api.Configuration;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Endpoints;

/// <summary>All endpoint groups; a worker-only instance maps just the health probes.</summary>
public static class EndpointMapping
{
    public static IEndpointRouteBuilder MapHsoEndpoints(this IEndpointRouteBuilder app)
    {
        var role = app.ServiceProvider.GetRequiredService<IOptions<HsoServiceOptions>>().Value.Role;
        if (role == ServiceRole.Worker)
        {
            return app.MapHealthEndpoints();
        }

        // People who open the root land on the Swagger UI.
        app.MapGet("/", () => Results.Redirect("/swagger")).ExcludeFromDescription();
        return app.MapScheduleEndpoints().MapGenerateEndpoints().MapModelEndpoints().MapHealthEndpoints();
    }
}
