using System.Net;
using System.Text.Json;
using SkiaSharp;

namespace HsoService.Api.Tests;

/// <summary>
/// SDXL (tiny-sdxl, optimum's layout) through the public API: diffusers' reference reproduced by POST /generate with
/// its initial noise as <c>latents</c>, its timesteps and solver euler; what GET /models says of it; the fields it
/// refuses; schedules and auto for it.
/// </summary>
public sealed class StableDiffusionXlEndpointTests : IClassFixture<StableDiffusionXlEndpointTests.Service>
{
    public sealed class Service : IDisposable
    {
        public ServiceFactory Factory { get; } = new();

        public void Dispose() => Factory.Dispose();
    }

    private readonly HttpClient _client;

    public StableDiffusionXlEndpointTests(Service service)
    {
        ArgumentNullException.ThrowIfNull(service);
        _client = service.Factory.CreateClient();
    }

    private static JsonElement Case(int index)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "tests", "fixtures", "tiny-sdxl", "reference.json")));
        return document.RootElement.GetProperty("cases")[index].Clone();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Diffusers_reference_is_reproduced_through_generate_with_its_latents_and_timesteps(int index)
    {
        var reference = Case(index);
        var negative = reference.GetProperty("negative_prompt");
        var response = await _client.PostJsonAsync("/generate", new
        {
            model = "tiny-sdxl",
            nfe = reference.GetProperty("num_inference_steps").GetInt32(),
            solver = "euler",
            schedule = new { timesteps = reference.GetProperty("timesteps").EnumerateArray().Select(t => (int)t.GetDouble()).ToArray() },
            prompt = reference.GetProperty("prompt").GetString(),
            negative_prompt = negative.ValueKind == JsonValueKind.Null ? null : negative.GetString(),
            guidance_scale = reference.GetProperty("guidance_scale").GetDouble(),
            width = reference.GetProperty("width").GetInt32(),
            height = reference.GetProperty("height").GetInt32(),
            latents = Latents.Base64(reference.GetProperty("noise")),
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("explicit", response.Headers.GetValues("X-Hso-Schedule-Source").Single());

        using var bitmap = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((128, 128), (bitmap.Width, bitmap.Height));
        // Channel-first like diffusers' image: red plane first, then green and blue.
        var pixels = bitmap.Pixels;
        var planes = new[] { pixels.Select(p => p.Red / 255.0), pixels.Select(p => p.Green / 255.0), pixels.Select(p => p.Blue / 255.0) }.SelectMany(plane => plane).ToArray();
        var image = reference.GetProperty("image");
        var first8 = image.GetProperty("first8").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(first8[i], planes[i], 1.0 / 255);
        }

        Assert.Equal(image.GetProperty("sum").GetDouble() / planes.Length, planes.Average(), 1.0 / 255);
    }

    [Fact]
    public async Task Models_lists_sdxl_with_its_fields_defaults_and_latent_shape()
    {
        var models = await (await _client.GetAsync("/models")).JsonAsync();
        var sdxl = models.EnumerateArray().Single(m => m.GetProperty("id").GetString() == "tiny-sdxl");
        Assert.Equal("stable_diffusion_xl", sdxl.GetProperty("pipeline").GetString());
        Assert.Equal(["prompt", "negative_prompt", "prompt_2", "negative_prompt_2", "width", "height"], sdxl.GetProperty("conditioning").EnumerateArray().Select(f => f.GetString()));
        var defaults = sdxl.GetProperty("defaults");
        Assert.Equal((128, 128, 5.0, "unipc"), (defaults.GetProperty("width").GetInt32(), defaults.GetProperty("height").GetInt32(), defaults.GetProperty("guidance_scale").GetDouble(), defaults.GetProperty("solver").GetString()));
        Assert.Equal([4, 16, 16], sdxl.GetProperty("latent_shape").EnumerateArray().Select(d => d.GetInt32()));
        var digits = models.EnumerateArray().Single(m => m.GetProperty("id").GetString() == "digits16-ddpm");
        Assert.Equal([1, 16, 16], digits.GetProperty("latent_shape").EnumerateArray().Select(d => d.GetInt32()));
    }

    [Theory]
    [InlineData("""{"model": "tiny-sdxl", "nfe": 4, "prompt": "cat", "class_label": 3}""", "class_label", "an SDXL text-to-image model; it takes prompt, negative_prompt, prompt_2")]
    [InlineData("""{"model": "tiny-sdxl", "nfe": 4}""", "prompt", "required")]
    [InlineData("""{"model": "tiny-sdxl", "nfe": 4, "prompt": "cat", "latents": "AAAA"}""", "latents", "[1, 4, 16, 16] = 1024 float32 values")]
    [InlineData("""{"model": "tiny-sdxl", "nfe": 4, "prompt": "cat", "latents": "not base64!"}""", "latents", "base64")]
    [InlineData("""{"model": "tiny-sd", "nfe": 4, "prompt": "cat", "prompt_2": "dog"}""", "prompt_2", "a Stable Diffusion text-to-image model")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 4, "latents": "AAAAAA=="}""", "latents", "[1, 1, 16, 16]")]
    public async Task Fields_it_does_not_take_and_bad_latents_are_refused_by_name(string body, string field, string detail)
    {
        var response = await _client.PostAsync("/generate", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), problem.ToString());
        Assert.Contains(detail, messages[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schedules_and_auto_work_for_sdxl()
    {
        var accepted = await _client.PostJsonAsync("/schedules", new { model = "tiny-sdxl", nfe = 5, solver = "dpmpp2m", mode = "robust" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var job = await _client.WaitForJobAsync((await accepted.JsonAsync()).GetProperty("location").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        var stored = await (await _client.GetAsync("/schedules/tiny-sdxl/5?solver=dpmpp2m&mode=robust")).JsonAsync();
        Assert.Equal(6, stored.GetProperty("t").GetArrayLength());

        var auto = await _client.PostJsonAsync("/generate", new { model = "tiny-sdxl", nfe = 4, prompt = "a cat", width = 32, height = 32 });
        Assert.Equal(HttpStatusCode.OK, auto.StatusCode);
        Assert.Equal("family-default:no-scorer", auto.Headers.GetValues("X-Hso-Schedule-Source").Single());
    }
}
