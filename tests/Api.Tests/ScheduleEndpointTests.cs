using System.Net;

namespace HsoService.Api.Tests;

public sealed class ScheduleEndpointTests : IClassFixture<ScheduleEndpointTests.Service>
{
    public sealed class Service : IDisposable
    {
        public ServiceFactory Factory { get; } = new();

        public void Dispose() => Factory.Dispose();
    }

    private readonly HttpClient _client;

    public ScheduleEndpointTests(Service service) => _client = service.Factory.CreateClient();

    [Fact]
    public async Task A_missing_seeded_schedules_hint_names_its_seed()
    {
        var response = await _client.GetAsync("/schedules/digits16-ddpm/4?solver=unipc&mode=robust&seed=5");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        var detail = (await response.JsonAsync()).GetProperty("detail").GetString()!;
        // Following the hint must store the seed-5 schedule, not the default seed's.
        Assert.Contains("\"mode\": \"robust\", \"seed\": 5}", detail, StringComparison.Ordinal);
        var plain = (await (await _client.GetAsync("/schedules/digits16-ddpm/11?solver=ddim&mode=paper")).JsonAsync()).GetProperty("detail").GetString()!;
        Assert.DoesNotContain("seed", plain, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_runs_a_job_and_then_serves_the_schedule_from_the_cache()
    {
        var accepted = await _client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", solver = "unipc", nfe = 7, mode = "paper" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var body = await accepted.JsonAsync();
        var location = accepted.Headers.Location!.ToString();
        Assert.Equal($"/schedules/jobs/{body.GetProperty("job_id").GetString()}", location);
        Assert.Equal("digits16-ddpm:unipc:7:paper", body.GetProperty("key").GetString());

        var job = await _client.WaitForJobAsync(location);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(1.0, job.GetProperty("progress").GetDouble());
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        Assert.Equal("/schedules/digits16-ddpm/7?solver=unipc&mode=paper", job.GetProperty("result").GetString());

        var read = await _client.GetAsync(job.GetProperty("result").GetString());
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var schedule = await read.JsonAsync();
        Assert.Equal(8, schedule.GetProperty("t").GetArrayLength());
        Assert.Equal("paper", schedule.GetProperty("mode").GetString());
        Assert.True(schedule.GetProperty("fitness").GetDouble() > 0);

        var again = await _client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", solver = "unipc", nfe = 7, mode = "paper" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(schedule.GetProperty("t").ToString(), (await again.JsonAsync()).GetProperty("t").ToString());

        var forced = await _client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", solver = "unipc", nfe = 7, mode = "paper", force = true });
        Assert.Equal(HttpStatusCode.Accepted, forced.StatusCode);
    }

    [Fact]
    public async Task Defaults_are_the_models_solver_and_the_selected_mode_and_options_get_their_own_key()
    {
        var accepted = await (await _client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 5 })).JsonAsync();
        Assert.Equal("digits16-ddpm:dpmpp2m:5:selected", accepted.GetProperty("key").GetString());
        Assert.Equal("succeeded", (await _client.WaitForJobAsync(accepted.GetProperty("location").GetString()!)).GetProperty("status").GetString());
        var selected = await (await _client.GetAsync("/schedules/digits16-ddpm/5")).JsonAsync();
        Assert.Equal("selected", selected.GetProperty("mode").GetString());

        var robust = await (await _client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 5, mode = "robust" })).JsonAsync();
        Assert.Equal("digits16-ddpm:dpmpp2m:5:robust", robust.GetProperty("key").GetString());
        await _client.WaitForJobAsync(robust.GetProperty("location").GetString()!);

        var seeded = await (await _client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 5, mode = "robust", seed = 7 })).JsonAsync();
        Assert.StartsWith("digits16-ddpm:dpmpp2m:5:robust:", seeded.GetProperty("key").GetString());
        await _client.WaitForJobAsync(seeded.GetProperty("location").GetString()!);

        var read = await (await _client.GetAsync("/schedules/digits16-ddpm/5?mode=robust")).JsonAsync();
        Assert.Equal(66, read.GetProperty("seed").GetInt32());
        var readSeeded = await (await _client.GetAsync("/schedules/digits16-ddpm/5?mode=robust&seed=7")).JsonAsync();
        Assert.Equal(7, readSeeded.GetProperty("seed").GetInt32());

        var list = await (await _client.GetAsync("/schedules/digits16-ddpm")).JsonAsync();
        var keys = list.GetProperty("schedules").EnumerateArray().Select(e => e.GetProperty("key").GetString()).ToArray();
        Assert.Contains("digits16-ddpm:dpmpp2m:5:robust", keys);
        Assert.Contains("digits16-ddpm:dpmpp2m:5:selected", keys);
        Assert.Equal(2, keys.Count(k => k!.StartsWith("digits16-ddpm:dpmpp2m:5:robust", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_missing_schedule_is_404_saying_how_to_request_it()
    {
        var response = await _client.GetAsync("/schedules/digits16-ddpm/33?solver=ddim&mode=paper");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Contains("POST /schedules", problem.GetProperty("detail").GetString());
        Assert.Contains("\"nfe\": 33", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 1}""", 400, "nfe", "2..50")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 51}""", 400, "nfe", "2..50")]
    [InlineData("""{"model": "digits16-ddpm"}""", 400, "nfe", "required")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 5, "solver": "heun"}""", 400, "solver", "'heun'")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 5, "mode": "fast"}""", 400, "mode", "'fast'")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": "five"}""", 400, "nfe", "nfe: expected an integer")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": "6"}""", 400, "nfe", "nfe: expected an integer")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 5, "colour": "red"}""", 400, "colour", "unknown field")]
    [InlineData("""{"model": "sdxl", "nfe": 5}""", 404, "model", "'sdxl' is not served")]
    [InlineData("""{"model": "../../etc/passwd", "nfe": 5}""", 404, "model", "is not served")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 5, "seed": -3}""", 400, "seed", "seed must be an integer in 0..2147483647, got -3")]
    public async Task Bad_requests_are_problems_naming_the_field(string body, int status, string field, string detail)
    {
        var response = await _client.PostAsync("/schedules", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.JsonAsync();
        Assert.Contains(detail, problem.GetProperty("errors").GetProperty(field)[0].GetString());
        Assert.DoesNotContain("   at ", problem.ToString());
    }

    [Fact]
    public async Task Unknown_jobs_and_models_are_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/schedules/jobs/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/schedules/nope/5")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/schedules/nope")).StatusCode);
    }

    [Fact]
    public async Task The_cached_schedules_of_a_model_come_a_page_at_a_time_in_key_order()
    {
        using var factory = new ServiceFactory();
        var client = factory.CreateClient();
        for (var seed = 1; seed <= 5; seed++)
        {
            var accepted = await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 4, solver = "ddim", mode = "robust", seed });
            Assert.Equal("succeeded", (await client.WaitForJobAsync(accepted.Headers.Location!.ToString())).GetProperty("status").GetString());
        }

        var keys = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await client.GetAsync("/schedules/digits16-ddpm?limit=2" + (cursor is null ? "" : $"&cursor={cursor}"))).JsonAsync();
            var entries = page.GetProperty("schedules").EnumerateArray().Select(e => e.GetProperty("key").GetString()!).ToList();
            Assert.InRange(entries.Count, 1, 2);
            keys.AddRange(entries);
            cursor = page.TryGetProperty("next_cursor", out var next) ? next.GetString() : null;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(5, keys.Distinct().Count());
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/schedules/digits16-ddpm?limit=0")).StatusCode);
        var badCursor = await client.GetAsync("/schedules/digits16-ddpm?cursor=%21%21%21");
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);
        Assert.True((await badCursor.JsonAsync()).GetProperty("errors").TryGetProperty("cursor", out _));
    }

    [Fact]
    public async Task A_client_storing_more_seeds_than_its_bound_loses_its_oldest_and_nobody_elses()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?>
        {
            ["Hso:MaxStoredSchedulesPerClient"] = "3",
            ["Hso:RateLimit:KnownProxies:0"] = "127.0.0.1",
        });
        factory.StartOnSocket();
        using var alice = factory.SocketClient();
        alice.DefaultRequestHeaders.Add("X-Forwarded-For", "10.0.0.1");
        using var bob = factory.SocketClient();
        bob.DefaultRequestHeaders.Add("X-Forwarded-For", "10.0.0.2");
        async Task Store(HttpClient client, int? seed)
        {
            var accepted = await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 4, solver = "ddim", mode = "robust", seed });
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            Assert.Equal("succeeded", (await client.WaitForJobAsync(accepted.Headers.Location!.ToString())).GetProperty("status").GetString());
        }

        Task<HttpResponseMessage> Read(int? seed) =>
            alice.GetAsync("/schedules/digits16-ddpm/4?solver=ddim&mode=robust" + (seed is null ? "" : $"&seed={seed}"));

        await Store(bob, 11);
        await Store(alice, null);
        for (var seed = 1; seed <= 3; seed++)
        {
            await Store(alice, seed);
        }

        Assert.Equal(HttpStatusCode.OK, (await Read(1)).StatusCode);
        await Store(alice, 4);

        // Alice's fourth seed removed her first; bob's seed and the default schedule (not counted) stay.
        Assert.Equal(HttpStatusCode.NotFound, (await Read(1)).StatusCode);
        foreach (int? kept in new int?[] { 2, 3, 4, 11, null })
        {
            Assert.Equal(HttpStatusCode.OK, (await Read(kept)).StatusCode);
        }
    }
}
