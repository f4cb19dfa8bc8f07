using HsoService.Api.Endpoints;
using HsoService.Api.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddHsoService();

var app = builder.Build();
app.UseHsoService();
app.MapHsoEndpoints();
app.Run();

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
