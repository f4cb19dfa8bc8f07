using System.Net.Http.Json;
using System.Text.Json;
using HsoService.Api.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace HsoService.Api.Tests;

/// <summary>
/// The real service in-process (WebApplicationFactory) with the shipped digits model and the tiny-sd and tiny-sdxl fixtures, a
/// private data directory, and optional Redis, API key and rate limits.
/// </summary>
public sealed class ServiceFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public ServiceFactory(string? redis = null, string? dataDirectory = null, IDictionary<string, string?>? settings = null)
    {
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("hso-api-").FullName;
        _settings = Settings(DataDirectory, redis, settings);
    }

    public string DataDirectory { get; }

    public static JsonSerializerOptions Json { get; } = CreateJson();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public T Service<T>() where T : notnull => (T)Services.GetService(typeof(T))!;

    /// <summary>Starts the service on a real Kestrel socket on loopback (a free port); clients are made with <see cref="SocketClient"/>.</summary>
    public void StartOnSocket()
    {
        UseKestrel(0);
        StartServer();
    }

    /// <summary>A plain HttpClient to the socket <see cref="StartOnSocket"/> opened.</summary>
    public HttpClient SocketClient() => new() { BaseAddress = ClientOptions.BaseAddress };

    /// <summary>
    /// Composes and starts the service as Program does (<see cref="HsoApplication"/>), on a test server with the
    /// factory's settings, and returns the error that stops it at start. Not through the factory: when the app fails
    /// at start, its entry-point thread disposes the host while the factory may still be reading the host's services,
    /// and the factory then throws ObjectDisposedException from DeferredHost.StartAsync in place of the app's error
    /// (1 start in 150 on this machine, 2 of 14 start-up tests in one CI run).
    /// </summary>
    public static async Task<Exception> StartupErrorAsync(IDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(Program).Assembly.GetName().Name,
            ContentRootPath = Path.Combine(Repository.Root, "src", "Api"),
            EnvironmentName = Environments.Development,
        });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(Settings(Directory.CreateTempSubdirectory("hso-api-").FullName, null, settings));
        WebApplication? app = null;
        try
        {
            app = HsoApplication.Build(builder);
            await app.StartAsync();
        }
        catch (Exception error)
        {
            return error;
        }
        finally
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }

        Assert.Fail("the service started; a start-up error was expected");
        return null!;
    }

    private static Dictionary<string, string?> Settings(string dataDirectory, string? redis, IDictionary<string, string?>? overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Hso:DataDirectory"] = dataDirectory,
            ["Hso:Models:digits16-ddpm:Path"] = Path.Combine(Repository.Root, "models", "digits16-ddpm"),
            ["Hso:Models:digits16-ddpm:DefaultSolver"] = "dpmpp2m",
            ["Hso:Models:digits16-flow:Path"] = Path.Combine(Repository.Root, "models", "digits16-flow"),
            ["Hso:Models:tiny-sd:Path"] = Path.Combine(Repository.Root, "tests", "fixtures", "tiny-sd"),
            ["Hso:Models:tiny-sdxl:Path"] = Path.Combine(Repository.Root, "tests", "fixtures", "tiny-sdxl"),
            ["Hso:Models:tiny-sd3:Path"] = Path.Combine(Repository.Root, "tests", "fixtures", "tiny-sd3"),
            ["Hso:Models:tiny-flux:Path"] = Path.Combine(Repository.Root, "tests", "fixtures", "tiny-flux"),
            ["ConnectionStrings:Redis"] = redis ?? "",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions();
        ServiceRegistration.Configure(options);
        options.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip;
        return options;
    }
}

/// <summary>Small helpers over HttpClient for the service's JSON.</summary>
public static class ClientExtensions
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) =>
        client.PostAsJsonAsync(path, body, ServiceFactory.Json);

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// GET that waits out a 429 as a well-behaved client does (Retry-After, else 1 s): two hundred pollers on a loaded
    /// machine can exceed the default 1000 requests per second, and the limiter is not what their tests are about.
    /// </summary>
    public static async Task<HttpResponseMessage> GetPatientlyAsync(this HttpClient client, string location, int attempts = 30)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await client.GetAsync(location);
            if (response.StatusCode != System.Net.HttpStatusCode.TooManyRequests || attempt == attempts)
            {
                return response;
            }

            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>
    /// Polls a job until it has finished (or the time is up) and returns its last state. The default bound suits a
    /// default selection (up to 19 measurements of 256 samples) on two busy cores: one took over a minute in CI.
    /// </summary>
    public static async Task<JsonElement> WaitForJobAsync(this HttpClient client, string location, int seconds = 300)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var job = await (await client.GetPatientlyAsync(location)).JsonAsync();
            if (job.GetProperty("status").ValueKind != JsonValueKind.String)
            {
                throw new InvalidOperationException($"GET {location} answered a problem: {job}");
            }

            var status = job.GetProperty("status").GetString();
            if (status is "succeeded" or "failed" or "cancelled" || DateTime.UtcNow > deadline)
            {
                return job;
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>The repository root.</summary>
public static class Repository
{
    public static string Root => HsoService.Tests.Shared.RepositoryRoot.Path;
}
