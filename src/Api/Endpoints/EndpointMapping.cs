using HsoService.Api.Configuration;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Endpoints;

/// <summary>All endpoint groups; a worker-only instance maps just the health probes.</summary>
public static class EndpointMapping
{
    public static IEndpointRouteBuilder MapHsoEndpoints(this IEndpointRouteBuilder app)
    {
        var role = app.ServiceProvider.GetRequiredService<IOptions<HsoServiceOptions>>().Value.Role;
        return role == ServiceRole.Worker
            ? app.MapHealthEndpoints()
            : app.MapScheduleEndpoints().MapGenerateEndpoints().MapModelEndpoints().MapHealthEndpoints();
    }
}
