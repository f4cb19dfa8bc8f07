using System.Net;

namespace HsoService.Api.Tests;

/// <summary>The service on a real Kestrel socket on 127.0.0.1, not the in-memory test server.</summary>
[Collection(nameof(TimingSensitive))]
public sealed class KestrelTests
{
    [Fact]
    public async Task The_service_answers_over_real_http_on_loopback()
    {
        using var factory = new ServiceFactory();
        factory.StartOnSocket();
        using var client = factory.SocketClient();
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

    [Fact]
    public async Task Urls_and_headers_over_the_limits_get_problems_not_empty_bodies()
    {
        using var factory = new ServiceFactory();
        factory.StartOnSocket();
        using var client = factory.SocketClient();

        var longUrl = await client.GetAsync("/schedules/digits16-ddpm/5?solver=" + new string('a', 9000));
        Assert.Equal(HttpStatusCode.RequestUriTooLong, longUrl.StatusCode);
        Assert.Equal("application/problem+json", longUrl.Content.Headers.ContentType!.MediaType);
        Assert.Contains("at most 8192", (await longUrl.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Add("X-Padding", new string('b', 40_000));
        var largeHeaders = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, largeHeaders.StatusCode);
        Assert.Equal("application/problem+json", largeHeaders.Content.Headers.ContentType!.MediaType);
        Assert.Contains("at most 32768", (await largeHeaders.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Rate_limits_follow_the_forwarded_client_only_behind_a_configured_proxy(bool trustLoopback)
    {
        var settings = new Dictionary<string, string?> { ["Hso:RateLimit:PermitsPerWindow"] = "2", ["Hso:RateLimit:WindowSeconds"] = "60" };
        if (trustLoopback)
        {
            settings["Hso:RateLimit:KnownProxies:0"] = "127.0.0.1";
        }

        using var factory = new ServiceFactory(settings: settings);
        factory.StartOnSocket();
        using var client = factory.SocketClient();
        async Task<HttpStatusCode> Get(string forwardedFor)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/models");
            request.Headers.Add("X-Forwarded-For", forwardedFor);
            return (await client.SendAsync(request)).StatusCode;
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], [await Get("10.0.0.1"), await Get("10.0.0.1"), await Get("10.0.0.1")]);
        // Behind a trusted proxy another forwarded address is another client; otherwise the header is ignored.
        Assert.Equal(trustLoopback ? HttpStatusCode.OK : HttpStatusCode.TooManyRequests, await Get("10.0.0.2"));
    }

    [Fact]
    public async Task A_valid_api_key_is_its_own_rate_limit_bucket()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?>
        {
            ["Hso:ApiKey"] = "s3cret",
            ["Hso:RateLimit:PermitsPerWindow"] = "2",
            ["Hso:RateLimit:WindowSeconds"] = "60",
        });
        factory.StartOnSocket();
        using var anonymous = factory.SocketClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/models")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await anonymous.GetAsync("/models")).StatusCode);

        using var keyed = factory.SocketClient();
        keyed.DefaultRequestHeaders.Add("X-Api-Key", "s3cret");
        Assert.Equal(HttpStatusCode.OK, (await keyed.GetAsync("/models")).StatusCode);

        // A wrong key is no key: it shares the address's bucket, so guessing keys buys no extra requests.
        using var guessing = factory.SocketClient();
        guessing.DefaultRequestHeaders.Add("X-Api-Key", "guess");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await guessing.GetAsync("/models")).StatusCode);
    }
}
