using HsoService.Api.Hosting;

try
{
    HsoApplication.Build(WebApplication.CreateBuilder(args)).Run();
    return 0;
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
