using HsoService.Api.Hosting;

try
{
    var app = HsoApplication.Build(WebApplication.CreateBuilder(args));

    // Settings, the embedded data directory's lock and model folders are checked here, before the host starts, so a
    // mistake is one line rather than the host's own error log with a stack trace.
    _ = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HsoService.Api.Configuration.HsoServiceOptions>>().Value;
    _ = app.Services.GetService<HsoService.Api.Stores.DataDirectoryLock>();
    _ = app.Services.GetRequiredService<ModelCatalog>();
    var fatal = FatalStop.Watch(app.Services);
    app.Run();

    // A background service that threw stopped the host: not a clean stop, whatever Run says.
    foreach (var failure in fatal.Failures)
    {
        Console.Error.WriteLine($"hso: fatal: {failure}");
    }

    return fatal.Failures.Count == 0 ? 0 : FatalStop.ExitCode;
}
catch (Exception error) when (StartupError.Describe(error) is { } problems)
{
    // A setting the operator can fix: one line each, no stack trace, exit code 1.
    foreach (var problem in problems)
    {
        Console.Error.WriteLine($"hso: configuration error: {problem}");
    }

    return 1;
}

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
