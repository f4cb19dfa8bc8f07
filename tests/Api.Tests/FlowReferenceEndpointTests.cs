using System.Net;
using System.Text.Json;
using SkiaSharp;

namespace HsoService.Api.Tests;

/// <summary>
/// SD3 and Flux (tiny-sd3, tiny-flux, optimum's layout) through the public API: diffusers' references reproduced by
/// POST /generate with each case's noise as <c>latents</c> (the unpacked layout; the service packs for Flux), solver
/// euler and <c>schedule: {"sigmas": [...]}</c>, and the same image again with <c>schedule: "default"</c>.
/// </summary>
public sealed class FlowReferenceEndpointTests : IClassFixture<FlowReferenceEndpointTests.Service>
{
    public sealed class Service : IDisposable
    {
        public ServiceFactory Factory { get; } = new();

        public void Dispose() => Factory.Dispose();
    }

    private readonly HttpClient _client;

    public FlowReferenceEndpointTests(Service service)
    {
        ArgumentNullException.ThrowIfNull(service);
        _client = service.Factory.CreateClient();
    }

    private static JsonElement Case(string model, int index)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "tests", "fixtures", model, "reference.json")));
        return document.RootElement.GetProperty("cases")[index].Clone();
    }

    private async Task<double[]> Planes(Dictionary<string, object?> body, string source)
    {
        var response = await _client.PostJsonAsync("/generate", body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal(source, response.Headers.GetValues("X-Hso-Schedule-Source").Single());
        using var bitmap = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync());
        var pixels = bitmap.Pixels;
        // Channel-first like diffusers' image: red plane first, then green and blue.
        return [.. new[] { pixels.Select(p => p.Red / 255.0), pixels.Select(p => p.Green / 255.0), pixels.Select(p => p.Blue / 255.0) }.SelectMany(plane => plane)];
    }

    [Theory]
    [InlineData("tiny-sd3", 0)]
    [InlineData("tiny-sd3", 1)]
    [InlineData("tiny-flux", 0)]
    [InlineData("tiny-flux", 1)]
    public async Task Diffusers_reference_is_reproduced_with_its_sigmas_and_again_with_default(string model, int index)
    {
        var reference = Case(model, index);
        var body = new Dictionary<string, object?>
        {
            ["model"] = model,
            ["nfe"] = reference.GetProperty("num_inference_steps").GetInt32(),
            ["solver"] = "euler",
            ["schedule"] = new { sigmas = reference.GetProperty("sigmas").EnumerateArray().Select(s => s.GetDouble()).ToArray() },
            ["prompt"] = reference.GetProperty("prompt").GetString(),
            ["guidance_scale"] = reference.GetProperty("guidance_scale").GetDouble(),
            ["width"] = reference.GetProperty("width").GetInt32(),
            ["height"] = reference.GetProperty("height").GetInt32(),
            ["latents"] = Latents.Base64(reference.GetProperty("noise")),
        };
        if (reference.TryGetProperty("negative_prompt", out var negative))
        {
            body["negative_prompt"] = negative.GetString();
        }

        var planes = await Planes(body, "explicit");
        var image = reference.GetProperty("image");
        Assert.Equal(image.GetProperty("shape")[2].GetInt32() * image.GetProperty("shape")[3].GetInt32() * 3, planes.Length);
        var first8 = image.GetProperty("first8").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(first8[i], planes[i], 1.0 / 255);
        }

        Assert.Equal(image.GetProperty("sum").GetDouble() / planes.Length, planes.Average(), 1.0 / 255);

        // The model's own default is the same sigmas (diffusers' set_timesteps, Flux's mu from width and height).
        body["schedule"] = "default";
        var byDefault = await Planes(body, "family");
        Assert.True(planes.Zip(byDefault).All(pair => Math.Abs(pair.First - pair.Second) <= 1.0 / 255), "default gave another image");
    }

    [Fact]
    public async Task Models_lists_both_classes_with_their_fields_and_the_unpacked_latent_shape()
    {
        var models = await (await _client.GetAsync("/models")).JsonAsync();
        var sd3 = models.EnumerateArray().Single(m => m.GetProperty("id").GetString() == "tiny-sd3");
        Assert.Equal("stable_diffusion_3", sd3.GetProperty("pipeline").GetString());
        Assert.Equal([16, 16, 16], sd3.GetProperty("latent_shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(3.0, sd3.GetProperty("noise_schedule").GetProperty("shift").GetDouble());
        var flux = models.EnumerateArray().Single(m => m.GetProperty("id").GetString() == "tiny-flux");
        Assert.Equal("flux", flux.GetProperty("pipeline").GetString());
        Assert.Equal(["prompt", "width", "height"], flux.GetProperty("conditioning").EnumerateArray().Select(f => f.GetString()));
        var shift = flux.GetProperty("noise_schedule");
        Assert.True(shift.GetProperty("dynamic_shifting").GetBoolean());
        // The config's numbers that set mu, as its scheduler_config.json gives them; the static shift does not apply.
        Assert.Equal((0.5, 1.15, 256, 4096, "exponential"), (shift.GetProperty("base_shift").GetDouble(), shift.GetProperty("max_shift").GetDouble(), shift.GetProperty("base_image_seq_len").GetInt32(), shift.GetProperty("max_image_seq_len").GetInt32(), shift.GetProperty("time_shift_type").GetString()));
        Assert.False(shift.TryGetProperty("shift", out _));
        Assert.False(sd3.GetProperty("noise_schedule").TryGetProperty("base_shift", out _));
        Assert.Equal(3.5, flux.GetProperty("defaults").GetProperty("guidance_scale").GetDouble());
    }

    [Theory]
    [InlineData("""{"model": "tiny-flux", "nfe": 4, "prompt": "cat", "negative_prompt": "dog"}""", "negative_prompt", "guidance-distilled")]
    [InlineData("""{"model": "tiny-flux", "nfe": 4, "prompt": "cat", "width": 72}""", "width", "multiple of 16")]
    [InlineData("""{"model": "tiny-sd3", "nfe": 4, "prompt": "cat", "width": 136}""", "width", "multiple of 16")]
    [InlineData("""{"model": "tiny-sd3", "nfe": 4, "prompt": "cat", "schedule": "ays"}""", "schedule", "DDPM")]
    public async Task What_a_flow_class_does_not_take_is_refused_by_name(string body, string field, string detail)
    {
        var response = await _client.PostAsync("/generate", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), problem.ToString());
        Assert.Contains(detail, messages[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auto_on_a_flow_model_without_a_scorer_serves_its_default_and_says_so()
    {
        var response = await _client.PostJsonAsync("/generate", new { model = "tiny-flux", nfe = 4, prompt = "a cat", width = 64, height = 64, response_format = "b64_json" });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal("family-default:no-scorer", response.Headers.GetValues("X-Hso-Schedule-Source").Single());
        var result = await response.JsonAsync();
        Assert.Equal("default", result.GetProperty("schedule").GetProperty("family").GetString());
    }

    [Fact]
    public async Task A_flux_schedules_diffusers_block_takes_the_image_size_from_the_query()
    {
        var accepted = await _client.PostJsonAsync("/schedules", new { model = "tiny-flux", nfe = 4, solver = "ddim", mode = "robust" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var job = await _client.WaitForJobAsync((await accepted.JsonAsync()).GetProperty("location").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        var bare = await (await _client.GetAsync("/schedules/tiny-flux/4?solver=ddim&mode=robust")).JsonAsync();
        Assert.False(bare.TryGetProperty("diffusers", out _));
        Assert.Contains("?width=...&height=...", Assert.Single(bare.GetProperty("warnings").EnumerateArray()).GetString(), StringComparison.Ordinal);
        var sized = await (await _client.GetAsync("/schedules/tiny-flux/4?solver=ddim&mode=robust&width=128&height=128")).JsonAsync();
        var block = sized.GetProperty("diffusers");
        Assert.Equal("FlowMatchEulerDiscreteScheduler", block.GetProperty("scheduler").GetString());
        // mu for 64 tokens, as the reference records it for 128 x 128.
        Assert.Equal(Case("tiny-flux", 0).GetProperty("mu").GetDouble(), block.GetProperty("mu").GetDouble(), 12);
        Assert.Equal(4, block.GetProperty("sigmas").GetArrayLength());
        Assert.Empty(sized.GetProperty("warnings").EnumerateArray());

        // The size is read by the model's rules, as /generate reads it; a model without a size refuses one.
        var odd = await _client.GetAsync("/schedules/tiny-flux/4?solver=ddim&mode=robust&width=100&height=128");
        Assert.Equal(HttpStatusCode.BadRequest, odd.StatusCode);
        Assert.Contains("multiple of 16", (await odd.JsonAsync()).GetProperty("errors").GetProperty("width")[0].GetString(), StringComparison.Ordinal);
        var digits = await _client.PostJsonAsync("/schedules", new { model = "digits16-flow", nfe = 4, solver = "ddim", mode = "robust" });
        Assert.Equal("succeeded", (await _client.WaitForJobAsync((await digits.JsonAsync()).GetProperty("location").GetString()!)).GetProperty("status").GetString());
        var unsized = await _client.GetAsync("/schedules/digits16-flow/4?solver=ddim&mode=robust&height=16");
        Assert.Equal(HttpStatusCode.BadRequest, unsized.StatusCode);
        Assert.Contains("height does not apply to digits16-flow", (await unsized.JsonAsync()).GetProperty("errors").GetProperty("height")[0].GetString(), StringComparison.Ordinal);
    }
}
