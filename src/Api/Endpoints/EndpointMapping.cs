namespace HsoService.Api.Endpoints;

/// <summary>All endpoint groups.</summary>
public static class EndpointMapping
{
    public static IEndpointRouteBuilder MapHsoEndpoints(this IEndpointRouteBuilder app) =>
        app.MapScheduleEndpoints().MapGenerateEndpoints().MapModelEndpoints().MapHealthEndpoints();
}
