using System.Net.Http.Json;
using System.Text.Json;
using HsoService.Api.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace HsoService.Api.Tests;

/// <summary>
/// The real service in-process (WebApplicationFactory) with the shipped digits model and the tiny-sd fixture, a
/// private data directory, and optional Redis, API key and rate limits.
/// </summary>
public sealed class ServiceFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public ServiceFactory(string? redis = null, string? dataDirectory = null, IDictionary<string, string?>? settings = null)
    {
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("hso-api-").FullName;
        _settings = new Dictionary<string, string?>
        {
            ["Hso:DataDirectory"] = DataDirectory,
            ["Hso:Models:digits16-ddpm:Path"] = Path.Combine(Repository.Root, "models", "digits16-ddpm"),
            ["Hso:Models:digits16-ddpm:DefaultSolver"] = "dpmpp2m",
            ["Hso:Models:tiny-sd:Path"] = Path.Combine(Repository.Root, "tests", "fixtures", "tiny-sd"),
            ["ConnectionStrings:Redis"] = redis ?? "",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
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

    /// <summary>Polls a job until it has finished (or the time is up) and returns its last state.</summary>
    public static async Task<JsonElement> WaitForJobAsync(this HttpClient client, string location, int seconds = 60)
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
