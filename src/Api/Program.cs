using HsoService.Api.Hosting;

HsoApplication.Build(WebApplication.CreateBuilder(args)).Run();

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
