using System.Net;

namespace HsoService.Api.Tests;

/// <summary>The service on a real Kestrel socket on 127.0.0.1, not the in-memory test server.</summary>
public sealed class KestrelTests
{
    [Fact]
    public async Task The_service_answers_over_real_http_on_loopback()
    {
        using var factory = new ServiceFactory();
        factory.UseKestrel(0);
        factory.StartServer();
        using var client = new HttpClient { BaseAddress = factory.ClientOptions.BaseAddress };
        Assert.Contains(client.BaseAddress!.Host, new[] { "127.0.0.1", "localhost" });

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var accepted = await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 4, solver = "ddim" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var job = await client.WaitForJobAsync(accepted.Headers.Location!.ToString());
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        var png = await client.PostJsonAsync("/generate", new { model = "digits16-ddpm", nfe = 4, solver = "ddim", class_label = 1 });
        Assert.Equal("selected", png.Headers.GetValues("X-Hso-Schedule-Source").Single());
        Assert.Equal(0x89, (await png.Content.ReadAsByteArrayAsync())[0]);

        var large = await client.PostAsync("/generate", new StringContent("{\"prompt\": \"" + new string('a', 100_000) + "\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
    }
}
