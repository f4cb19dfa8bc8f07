using HsoService.Api.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace HsoService.Deploy.Tests;

/// <summary>The routes the service maps for a role, from the real composition (<see cref="HsoApplication"/>), without starting it.</summary>
internal static class ServiceRoutes
{
    public static IReadOnlyList<string> Of(HsoService.Api.Configuration.ServiceRole role)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "HsoService.Api", ContentRootPath = Path.Combine(Manifests.Root, "src", "Api") });
        builder.Configuration["Hso:Role"] = role.ToString();
        builder.Configuration["Hso:DataDirectory"] = Directory.CreateTempSubdirectory("hso-routes-").FullName;
        var app = HsoApplication.Build(builder);
        try
        {
            return [.. ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))];
        }
        finally
        {
            ((IDisposable)app).Dispose();
        }
    }
}
