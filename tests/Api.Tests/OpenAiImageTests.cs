using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Images;

// OpenAI's SDK marks the gpt-image fields output_format and size as for evaluation; the route answers both.
#pragma warning disable OPENAI001

namespace HsoService.Api.Tests;

/// <summary>
/// <c>POST /v1/images/generations</c> driven by OpenAI's own .NET client (its base URL set to the service's /v1): the
/// images it gets are those of <c>POST /generate</c> with schedule auto, and what the route does not serve is refused
/// by name, in a problem that also carries OpenAI's error object.
/// </summary>
public sealed class OpenAiImageTests : IClassFixture<OpenAiImageTests.Service>
{
    public sealed class Service : IDisposable
    {
        public ServiceFactory Factory { get; } = new();

        public void Dispose() => Factory.Dispose();
    }

    private readonly ServiceFactory _factory;

    public OpenAiImageTests(Service service) => _factory = service.Factory;

    private static ImageClient OpenAiClient(ServiceFactory factory, string model, string key = "unused") =>
        new(model, new ApiKeyCredential(key), new OpenAIClientOptions
        {
            Endpoint = new Uri(factory.Server.BaseAddress, "/v1"),
            Transport = new HttpClientPipelineTransport(factory.CreateClient()),
            // A refusal is the answer under test, not something to retry.
            RetryPolicy = new ClientRetryPolicy(0),
        });

    private static (int Width, int Height) PngSize(byte[] png) =>
        ((png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19], (png[20] << 24) | (png[21] << 16) | (png[22] << 8) | png[23]);

    private async Task<byte[][]> GenerateAsync(object body)
    {
        var response = await _factory.CreateClient().PostJsonAsync("/generate", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        return [.. json.GetProperty("data").EnumerateArray().Select(image => Convert.FromBase64String(image.GetProperty("b64_json").GetString()!))];
    }

    [Fact]
    public async Task Openais_client_gets_the_images_in_its_own_shape_at_the_size_it_asked_for()
    {
        var client = OpenAiClient(_factory, "tiny-sd");
        var options = new ImageGenerationOptions { Size = new GeneratedImageSize(64, 48), ResponseFormat = GeneratedImageFormat.Bytes, OutputFileFormat = GeneratedImageFileFormat.Png };
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var result = await client.GenerateImagesAsync("a photo of a cat", 2, options);

        var images = result.Value;
        Assert.Equal(2, images.Count);
        Assert.All(images, image => Assert.Equal((64, 48), PngSize(image.ImageBytes.ToArray())));
        Assert.NotEqual(images[0].ImageBytes.ToArray(), images[1].ImageBytes.ToArray());
        Assert.Equal(new GeneratedImageSize(64, 48), images.Size);
        Assert.Equal(GeneratedImageFileFormat.Png, images.OutputFileFormat);
        Assert.InRange(images.CreatedAt, before, DateTimeOffset.UtcNow.AddSeconds(1));
        // tiny-sd has no feature extractor: auto serves its default family, and says so.
        Assert.Equal("family-default:no-scorer", result.GetRawResponse().Headers.TryGetValue("X-Hso-Schedule-Source", out var source) ? source : null);
    }

    [Fact]
    public async Task A_text_request_is_the_generate_request_with_schedule_auto_at_the_models_default_nfe()
    {
        var client = OpenAiClient(_factory, "tiny-sd");
        // The protocol method sends the body as given: OpenAI's fields plus this service's seed.
        var body = """{"model": "tiny-sd", "prompt": "a lighthouse", "n": 2, "size": "64x48", "seed": 7, "negative_prompt": "fog", "user": "user-1"}""";
        var answer = await client.GenerateImagesAsync(BinaryContent.Create(BinaryData.FromString(body)));
        using var json = JsonDocument.Parse(answer.GetRawResponse().Content.ToString());
        var images = json.RootElement.GetProperty("data").EnumerateArray().Select(image => Convert.FromBase64String(image.GetProperty("b64_json").GetString()!)).ToArray();

        var expected = await GenerateAsync(new { model = "tiny-sd", nfe = 8, prompt = "a lighthouse", negative_prompt = "fog", n = 2, width = 64, height = 48, seed = 7, schedule = "auto", response_format = "b64_json" });
        Assert.Equal(expected, images);
        Assert.Equal("7", answer.GetRawResponse().Headers.TryGetValue("X-Hso-Seed", out var seed) ? seed : null);
        Assert.Equal(["created", "data", "output_format", "size"], json.RootElement.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("64x48", json.RootElement.GetProperty("size").GetString());
    }

    [Fact]
    public async Task The_models_configured_default_nfe_is_what_a_request_without_nfe_samples_with()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:Models:tiny-sd:DefaultNfe"] = "3" });
        var client = factory.CreateClient();
        var models = await (await client.GetAsync("/models")).JsonAsync();
        Assert.Equal(3, models.EnumerateArray().Single(m => m.GetProperty("id").GetString() == "tiny-sd").GetProperty("defaults").GetProperty("nfe").GetInt32());
        Assert.Equal(8, models.EnumerateArray().Single(m => m.GetProperty("id").GetString() == "tiny-sdxl").GetProperty("defaults").GetProperty("nfe").GetInt32());

        var response = await client.PostJsonAsync("/v1/images/generations", new { model = "tiny-sd", prompt = "a boat", size = "64x48", seed = 3 });
        var image = Convert.FromBase64String((await response.JsonAsync()).GetProperty("data")[0].GetProperty("b64_json").GetString()!);
        var generate = await (await client.PostJsonAsync("/generate", new { model = "tiny-sd", nfe = 3, prompt = "a boat", width = 64, height = 48, seed = 3, response_format = "b64_json" })).JsonAsync();
        Assert.Equal(Convert.FromBase64String(generate.GetProperty("data")[0].GetProperty("b64_json").GetString()!), image);
        Assert.Equal(3, generate.GetProperty("schedule").GetProperty("nfe").GetInt32());
    }

    [Fact]
    public async Task A_class_conditional_models_prompt_is_its_class_label()
    {
        // NFE above the optimizer's limit: auto serves the default family without queueing a selection.
        var body = """{"model": "digits16-ddpm", "prompt": "3", "n": 2, "size": "16x16", "nfe": 51, "seed": 11}""";
        var response = await _factory.CreateClient().PostAsync("/v1/images/generations", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("family-default:nfe-above-limit", response.Headers.GetValues("X-Hso-Schedule-Source").Single());
        var json = await response.JsonAsync();
        var images = json.GetProperty("data").EnumerateArray().Select(image => Convert.FromBase64String(image.GetProperty("b64_json").GetString()!)).ToArray();

        Assert.Equal(await GenerateAsync(new { model = "digits16-ddpm", nfe = 51, class_label = 3, n = 2, seed = 11, response_format = "b64_json" }), images);
        Assert.NotEqual(await GenerateAsync(new { model = "digits16-ddpm", nfe = 51, class_label = 5, n = 2, seed = 11, response_format = "b64_json" }), images);
    }

    [Theory]
    [InlineData("""{"model": "tiny-sd", "prompt": "cat", "quality": "high"}""", 400, "quality", "quality is not served")]
    [InlineData("""{"model": "tiny-sd", "prompt": "cat", "style": "vivid"}""", 400, "style", "style is not served")]
    [InlineData("""{"model": "tiny-sd", "prompt": "cat", "response_format": "url"}""", 400, "response_format", "url is not served")]
    [InlineData("""{"model": "tiny-sd", "prompt": "cat", "output_format": "webp"}""", 400, "output_format", "must be png")]
    [InlineData("""{"model": "tiny-sd", "prompt": "cat", "colour": "red"}""", 400, "colour", "this route takes model, prompt, n, size")]
    [InlineData("""{"model": "tiny-sd", "prompt": "cat", "size": "60x64"}""", 400, "size", "multiple of 8")]
    [InlineData("""{"model": "tiny-sd", "prompt": "cat", "size": "large"}""", 400, "size", "WIDTHxHEIGHT")]
    [InlineData("""{"model": "tiny-sd", "prompt": "cat", "n": 17}""", 400, "n", "1..16")]
    [InlineData("""{"model": "tiny-sd", "prompt": "cat", "nfe": "8"}""", 400, "nfe", "expected an integer")]
    [InlineData("""{"model": "tiny-sd"}""", 400, "prompt", "required")]
    [InlineData("""{"prompt": "cat"}""", 400, "model", "required")]
    [InlineData("""{"model": "dall-e-3", "prompt": "cat"}""", 404, "model", "not served")]
    [InlineData("""{"model": "digits16-ddpm", "prompt": "a cat"}""", 400, "prompt", "class label as a number")]
    [InlineData("""{"model": "digits16-ddpm", "prompt": "12"}""", 400, "prompt", "0..9")]
    [InlineData("""{"model": "digits16-ddpm", "prompt": "3", "size": "32x32"}""", 400, "size", "16x16 images only")]
    public async Task What_the_route_does_not_serve_is_refused_by_name_in_both_error_shapes(string body, int status, string field, string detail)
    {
        var response = await _factory.CreateClient().PostAsync("/v1/images/generations", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.JsonAsync();
        Assert.Contains(detail, problem.GetProperty("errors").GetProperty(field)[0].GetString());
        var error = problem.GetProperty("error");
        Assert.Equal(problem.GetProperty("detail").GetString(), error.GetProperty("message").GetString());
        Assert.Equal(field, error.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(status == 404 ? "model_not_found" : null, error.TryGetProperty("code", out var code) ? code.GetString() : null);
    }

    [Fact]
    public async Task Openais_client_sees_the_refusal_of_an_option_it_sent()
    {
        var client = OpenAiClient(_factory, "tiny-sd");
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => client.GenerateImagesAsync("a cat", 1, new ImageGenerationOptions { Quality = GeneratedImageQuality.High }));
        Assert.Equal(400, refused.Status);
        Assert.Contains("quality is not served", refused.GetRawResponse()!.Content.ToString(), StringComparison.Ordinal);

        var url = await Assert.ThrowsAsync<ClientResultException>(() => client.GenerateImagesAsync("a cat", 1, new ImageGenerationOptions { ResponseFormat = GeneratedImageFormat.Uri }));
        Assert.Equal(400, url.Status);
        Assert.Contains("response_format url is not served", url.GetRawResponse()!.Content.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_key_is_taken_as_the_bearer_token_openais_client_sends()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:ApiKey"] = "s3cret" });
        var size = new ImageGenerationOptions { Size = new GeneratedImageSize(64, 48) };
        var images = await OpenAiClient(factory, "tiny-sd", "s3cret").GenerateImagesAsync("a cat", 1, size);
        Assert.Equal((64, 48), PngSize(images.Value[0].ImageBytes.ToArray()));

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => OpenAiClient(factory, "tiny-sd", "wrong").GenerateImagesAsync("a cat", 1, size));
        Assert.Equal(401, refused.Status);
        Assert.True(refused.GetRawResponse()!.Headers.TryGetValues("WWW-Authenticate", out var challenges));
        Assert.Equal(["ApiKey", "Bearer"], challenges);
        using var problem = JsonDocument.Parse(refused.GetRawResponse()!.Content.ToString());
        Assert.Equal("invalid_api_key", problem.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("Authorization: Bearer", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
