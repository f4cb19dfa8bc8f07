using System.Net;

namespace HsoService.Api.Tests;

public sealed class GenerateEndpointTests : IClassFixture<GenerateEndpointTests.Service>
{
    public sealed class Service : IDisposable
    {
        public ServiceFactory Factory { get; } = new();

        public void Dispose() => Factory.Dispose();
    }

    private readonly HttpClient _client;

    public GenerateEndpointTests(Service service) => _client = service.Factory.CreateClient();

    private static (int Width, int Height) PngSize(byte[] png) =>
        ((png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19], (png[20] << 24) | (png[21] << 16) | (png[22] << 8) | png[23]);

    [Fact]
    public async Task Hso_robust_by_name_is_computed_once_and_then_served_from_the_cache()
    {
        var body = new { model = "digits16-ddpm", nfe = 6, solver = "ddim", class_label = 4, seed = 11, schedule = "hso-robust" };
        var first = await _client.PostJsonAsync("/generate", body);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("image/png", first.Content.Headers.ContentType!.MediaType);
        Assert.Equal("computed", first.Headers.GetValues("X-Hso-Schedule-Source").Single());
        Assert.Equal("11", first.Headers.GetValues("X-Hso-Seed").Single());
        var png = await first.Content.ReadAsByteArrayAsync();
        Assert.Equal((16, 16), PngSize(png));

        var second = await _client.PostJsonAsync("/generate", body);
        Assert.Equal("cached", second.Headers.GetValues("X-Hso-Schedule-Source").Single());
        Assert.Equal(png, await second.Content.ReadAsByteArrayAsync());

        var stored = await _client.GetAsync("/schedules/digits16-ddpm/6?solver=ddim&mode=robust");
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
    }

    [Fact]
    public async Task Concurrent_requests_for_an_unstored_hso_schedule_share_one_search()
    {
        using var factory = new ServiceFactory();
        var client = factory.CreateClient();
        var body = new { model = "digits16-ddpm", nfe = 7, solver = "unipc", class_label = 2, seed = 3, schedule = "hso-paper" };
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.PostJsonAsync("/generate", body)));

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.StatusCode));
        Assert.Contains(answers, answer => answer.Headers.GetValues("X-Hso-Schedule-Source").Single() == "computed");
        Assert.All(answers, answer => Assert.Contains(answer.Headers.GetValues("X-Hso-Schedule-Source").Single(), new[] { "computed", "cached" }));
        Assert.Equal(1, factory.Service<HsoService.Api.Generation.HsoSearches>().Started);
        var images = await Task.WhenAll(answers.Select(answer => answer.Content.ReadAsByteArrayAsync()));
        Assert.All(images, image => Assert.Equal(images[0], image));
    }

    [Fact]
    public async Task Json_responses_carry_every_image_with_its_seed_and_the_schedule()
    {
        var response = await _client.PostJsonAsync("/generate", new { model = "digits16-ddpm", nfe = 5, schedule = "uniform_lambda", n = 4, seed = 100, response_format = "b64_json" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("family", response.Headers.GetValues("X-Hso-Schedule-Source").Single());
        var body = await response.JsonAsync();
        var data = body.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(4, data.Length);
        Assert.Equal([100L, 101, 102, 103], data.Select(d => d.GetProperty("seed").GetInt64()));
        Assert.Equal((16, 16), PngSize(Convert.FromBase64String(data[0].GetProperty("b64_json").GetString()!)));
        Assert.Equal("uniform_lambda", body.GetProperty("schedule").GetProperty("family").GetString());
        Assert.True(body.GetProperty("created").GetInt64() > 1_700_000_000);
    }

    [Fact]
    public async Task A_client_that_accepts_only_json_gets_json_for_one_image_with_its_seed_in_the_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/generate")
        {
            Content = new StringContent("""{"model": "digits16-ddpm", "nfe": 3, "class_label": 1, "seed": 42}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("42", response.Headers.GetValues("X-Hso-Seed").Single());
        Assert.Equal(42, (await response.JsonAsync()).GetProperty("data")[0].GetProperty("seed").GetInt64());
    }

    [Fact]
    public async Task Explicit_times_are_used_as_given()
    {
        var response = await _client.PostJsonAsync("/generate", new { model = "digits16-ddpm", nfe = 3, solver = "unipc", schedule = new[] { 0.99, 0.6, 0.3, 0.05 }, response_format = "b64_json" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("explicit", response.Headers.GetValues("X-Hso-Schedule-Source").Single());
        Assert.Equal("[0.99,0.6,0.3,0.05]", (await response.JsonAsync()).GetProperty("schedule").GetProperty("t").ToString());
    }

    [Theory]
    [InlineData("ddim", "ays")]
    [InlineData("dpmpp2m", "hso-robust")]
    [InlineData("unipc", "uniform_lambda")]
    public async Task A_schedules_diffusers_timesteps_sent_back_as_an_explicit_schedule_give_the_same_images(string solver, string name)
    {
        // The round trip a client makes: read diffusers.timesteps from a schedule, sample with them. tiny-sd takes
        // integer timesteps, as diffusers' UNets do, so the timesteps are exactly the steps the service evaluated.
        var request = new { model = "tiny-sd", nfe = 5, solver, schedule = name, prompt = "a digit", seed = 5, n = 2 };
        var named = await _client.PostJsonAsync("/generate", request);
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        var body = await named.JsonAsync();
        var diffusers = body.GetProperty("schedule").GetProperty("diffusers");
        var timesteps = diffusers.GetProperty("timesteps").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        Assert.Equal(5, timesteps.Length);
        Assert.Equal(0.0, diffusers.GetProperty("sigmas").EnumerateArray().Last().GetDouble());
        Assert.Equal("zero", diffusers.GetProperty("final_sigmas_type").GetString());

        var explicitTimesteps = await _client.PostJsonAsync("/generate", new { model = "tiny-sd", nfe = 5, solver, schedule = new { timesteps }, prompt = "a digit", seed = 5, n = 2 });
        Assert.Equal(HttpStatusCode.OK, explicitTimesteps.StatusCode);
        Assert.Equal("explicit", explicitTimesteps.Headers.GetValues("X-Hso-Schedule-Source").Single());
        var images = (await explicitTimesteps.JsonAsync()).GetProperty("data").EnumerateArray().Select(d => d.GetProperty("b64_json").GetString()).ToArray();
        Assert.Equal(body.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("b64_json").GetString()), images);
    }

    [Theory]
    [InlineData("""{"timesteps": [999, 600, 300]}""", "must hold NFE = 4 timesteps")]
    [InlineData("""{"timesteps": [999, 600, 600, 300]}""", "strictly descending")]
    [InlineData("""{"timesteps": [999, 600, 300, 0]}""", "must end at 1 or above for dpmpp2m")]
    [InlineData("""{"timesteps": [1000, 600, 300, 100]}""", "integers in 0..999")]
    [InlineData("""{"sigmas": [14.6, 1, 0.1, 0]}""", "must hold NFE + 1 = 5 values")]
    [InlineData("""{"sigmas": [20000, 14.6, 1, 0.1, 0]}""", "this model's sigma range")]
    [InlineData("""{"steps": [1, 2]}""", "or {\"sigmas\": [...]}")]
    public async Task Bad_diffusers_timesteps_are_refused_naming_the_schedule(string schedule, string detail)
    {
        var body = "{\"model\": \"digits16-ddpm\", \"nfe\": 4, \"solver\": \"dpmpp2m\", \"schedule\": " + schedule + "}";
        var response = await _client.PostAsync("/generate", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(problem.GetProperty("errors").TryGetProperty("schedule", out _));
    }

    [Fact]
    public async Task Stable_diffusion_models_take_prompts_and_sizes()
    {
        var response = await _client.PostJsonAsync("/generate", new { model = "tiny-sd", nfe = 4, prompt = "a photo of a cat", width = 64, height = 48, schedule = "uniform_t:leading" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((64, 48), PngSize(await response.Content.ReadAsByteArrayAsync()));
    }

    [Theory]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 5, "class_label": 11}""", 400, "class_label", "0..9")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 0}""", 400, "nfe", "2..1000")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 1001}""", 400, "nfe", "2..1000")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 5, "n": 17}""", 400, "n", "1..16")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 5, "guidance_scale": "NaN"}""", 400, "guidance_scale", "guidance_scale: expected a number")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 5, "guidance_scale": 1e308}""", 400, "guidance_scale", "[0, 50]")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 5, "response_format": "jpeg"}""", 400, "response_format", "png or b64_json")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 5, "schedule": "karras"}""", 400, "schedule", "'karras'")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 3, "solver": "unipc", "schedule": [0.3, 0.6, 0.9, 0.99]}""", 400, "schedule", "must descend")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 3, "schedule": [0.9, "x"]}""", 400, "schedule", "numbers")]
    [InlineData("""{"model": "tiny-sd", "nfe": 4, "prompt": "cat", "width": 60}""", 400, "width", "multiple of 8")]
    [InlineData("""{"model": "tiny-sd", "nfe": 4, "prompt": "cat", "height": 2048}""", 400, "height", "8..1024")]
    [InlineData("""{"model": "tiny-sd", "nfe": 4}""", 400, "prompt", "required")]
    [InlineData("""{"model": "nope", "nfe": 4}""", 404, "model", "not served")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 4, "prompt": "a cat"}""", 400, "prompt", "does not apply to 'digits16-ddpm', a class-conditional pixel model")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 4, "negative_prompt": "blur"}""", 400, "negative_prompt", "does not apply")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 4, "width": 100000}""", 400, "width", "a class-conditional pixel model of fixed size 16; it takes class_label")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 4, "height": 16}""", 400, "height", "does not apply")]
    [InlineData("""{"model": "tiny-sd", "nfe": 4, "prompt": "cat", "class_label": 3}""", 400, "class_label", "a Stable Diffusion text-to-image model; it takes prompt")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 4, "seed": -1}""", 400, "seed", "0..")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 4, "schedule": "validated", "solver": "ddim"}""", 404, "schedule", "no validated schedule cached")]
    public async Task Bad_generation_requests_are_problems_naming_the_field(string body, int status, string field, string detail)
    {
        var response = await _client.PostAsync("/generate", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Contains(detail, problem.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    [Theory]
    [InlineData("""{"model": """)]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 4, """)]
    public async Task A_body_cut_off_is_called_incomplete_json_without_blaming_a_field(string body)
    {
        var response = await _client.PostAsync("/generate", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("the body is not complete JSON: it ends before its object is closed", problem.GetProperty("detail").GetString());
        Assert.False(problem.TryGetProperty("errors", out _));
    }

    [Fact]
    public async Task A_prompt_over_1000_characters_is_refused()
    {
        var response = await _client.PostJsonAsync("/generate", new { model = "tiny-sd", nfe = 4, prompt = new string('a', 1001) });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 1000", (await response.JsonAsync()).GetProperty("detail").GetString());
    }
}

public sealed class LongScheduleTests
{
    [Fact]
    public async Task Sampling_accepts_up_to_1000_evaluations_with_a_family_schedule()
    {
        using var factory = new ServiceFactory();
        var response = await factory.CreateClient().PostJsonAsync("/generate", new { model = "digits16-ddpm", nfe = 1000, solver = "ddim", schedule = "uniform_t", class_label = 2 });
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("family", response.Headers.GetValues("X-Hso-Schedule-Source").Single());
    }
}
