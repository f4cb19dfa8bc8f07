using HsoService.Api.Endpoints;

namespace HsoService.Api.Hosting;

/// <summary>
/// The whole service from a builder: services, middleware and endpoints. Program runs it; the tests that read
/// start-up errors start it directly, so both compose the same service.
/// </summary>
public static class HsoApplication
{
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddHsoService();
        var app = builder.Build();
        app.UseHsoService();
        app.MapHsoEndpoints();
        return app;
    }
}
