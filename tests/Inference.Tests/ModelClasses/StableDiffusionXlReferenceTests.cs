using System.Text.Json;
using HsoService.Inference.ModelClasses;
using HsoService.Inference.ModelClasses.StableDiffusionXl;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Tests.ModelClasses;

/// <summary>
/// tiny-sdxl's reference.json (diffusers' StableDiffusionXLPipeline on these graphs, EulerDiscreteScheduler) reproduced
/// case by case: token ids exactly, embeddings and time ids, diffusers' sigmas at its timesteps, the final latents
/// from its initial noise to 1e-4 relative, and the image to 1/255; the fp16 export to 2/255.
/// </summary>
public sealed class StableDiffusionXlReferenceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string Fixture = ReferenceCases.Fixture("tiny-sdxl");

    private static readonly Lazy<StableDiffusionXlPipeline> LazyPipeline = new(() => Load("tiny-sdxl"));

    private static StableDiffusionXlPipeline Pipeline => LazyPipeline.Value;

    private static StableDiffusionXlPipeline Load(string fixture) =>
        (StableDiffusionXlPipeline)ModelClassRegistry.Load(ModelFolder.Open(Path.Combine(Repository.Root, "tests", "fixtures", fixture)), new OnnxSessionFactory(new OnnxOptions()));

    private static JsonElement Case(int index) => ReferenceCases.Case("tiny-sdxl", index);

    public static TheoryData<int> Cases => [0, 1];

    private static string? Text(JsonElement reference, string name) =>
        reference.GetProperty(name).ValueKind == JsonValueKind.Null ? null : reference.GetProperty(name).GetString();

    /// <summary>The request a case describes, through the class's own parse (the public path's conditioning).</summary>
    internal static GenerationRequest Request(DiffusionPipeline pipeline, JsonElement reference)
    {
        var conditioning = pipeline.ParseConditioning(new ConditioningFields(
            Prompt: reference.GetProperty("prompt").GetString(), NegativePrompt: Text(reference, "negative_prompt"),
            Width: reference.GetProperty("width").GetInt32(), Height: reference.GetProperty("height").GetInt32()));
        // diffusers' timesteps k are evaluated at t = (k + 1) / N; Euler is DDIM (the same update in sigma).
        var times = reference.GetProperty("timesteps").EnumerateArray().Select(k => (k.GetDouble() + 1) / pipeline.Noise.TrainSteps).ToArray();
        return new GenerationRequest(SolverKind.Ddim, times, conditioning, 1, reference.GetProperty("guidance_scale").GetDouble(), 0, Latents: ReferenceCases.Floats(reference.GetProperty("noise")));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tokens_are_diffusers_token_ids_with_each_tokenizers_pad(int index)
    {
        var reference = Case(index);
        var prompt = reference.GetProperty("prompt").GetString()!;
        Assert.Equal(ReferenceCases.Ints(reference.GetProperty("input_ids").GetProperty("tokenizer")), Pipeline.Tokenizer.Encode(prompt));
        Assert.Equal(ReferenceCases.Ints(reference.GetProperty("input_ids").GetProperty("tokenizer_2")), Pipeline.Tokenizer2.Encode(prompt));
        Assert.Equal(0, Pipeline.Tokenizer2.PadId);
        if (Text(reference, "negative_prompt") is { } negative)
        {
            Assert.Equal(ReferenceCases.Ints(reference.GetProperty("negative_input_ids").GetProperty("tokenizer_2")), Pipeline.Tokenizer2.Encode(negative));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Embeddings_pooled_embeddings_and_time_ids_are_diffusers(int index)
    {
        var reference = Case(index);
        var request = Request(Pipeline, reference);
        var conditioning = (XlPromptConditioning)request.Conditioning;
        var (embeddings, pooled, tokens, width) = Pipeline.EncodePrompt(conditioning.Prompt, conditioning.Prompt2);
        Assert.Equal((77L, 80L), (tokens, width));
        ReferenceCases.AssertChecksums(reference.GetProperty("prompt_embeds"), embeddings, 1e-5);
        ReferenceCases.AssertChecksums(reference.GetProperty("pooled_prompt_embeds"), pooled, 1e-5);
        var (negative, negativePooled) = Pipeline.EncodeNegative(conditioning, embeddings.Length, pooled.Length);
        ReferenceCases.AssertChecksums(reference.GetProperty("negative_prompt_embeds"), negative, 1e-5);
        ReferenceCases.AssertChecksums(reference.GetProperty("negative_pooled_prompt_embeds"), negativePooled, 1e-5);
        Assert.Equal(ReferenceCases.Floats(reference.GetProperty("add_time_ids")), StableDiffusionXlPipeline.TimeIds(conditioning));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_schedule_is_diffusers_sigmas_at_its_timesteps(int index)
    {
        var reference = Case(index);
        var sigmas = reference.GetProperty("sigmas").EnumerateArray().Select(s => s.GetDouble()).ToArray();
        var times = Request(Pipeline, reference).Times;
        for (var i = 0; i < times.Count; i++)
        {
            // Euler's sigma is the EDM sigma = sigma / alpha of the VP schedule.
            Assert.Equal(sigmas[i], Pipeline.Noise.Sigma(times[i]) / Pipeline.Noise.Alpha(times[i]), sigmas[i] * 1e-5);
        }

        Assert.Equal(0.0, sigmas[^1]);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Final_latents_and_image_match_diffusers(int index)
    {
        var reference = Case(index);
        var request = Request(Pipeline, reference);
        var latents = Pipeline.SampleLatents([request])[0];
        var expected = ReferenceCases.Floats(reference.GetProperty("final_latents"));
        var scale = expected.Max(Math.Abs);
        var worst = latents.Zip(expected).Max(pair => Math.Abs(pair.First - pair.Second));
        Assert.True(worst <= 1e-4 * scale, $"final latents differ by {worst} (1e-4 relative of {scale} allowed)");

        // diffusers' image is (vae(...) / 2 + 0.5).clamp(0, 1).
        var image = Pipeline.Decode(latents, 1, request.Conditioning).Select(v => (v + 1) / 2).ToArray();
        var pixel = ReferenceCases.AssertChecksums(reference.GetProperty("image"), image, 1.0 / 255);
        output.WriteLine($"case {index}: final latents worst {worst:E2} ({worst / scale:E2} relative); image first8 worst {pixel * 255:F4}/255");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_fp16_export_matches_the_reference_to_float16_rounding(int index)
    {
        using var half = Load("tiny-sdxl-fp16");
        var reference = Case(index);
        var image = half.Generate(Request(half, reference)).Select(v => (v + 1) / 2).ToArray();
        var pixel = ReferenceCases.AssertChecksums(reference.GetProperty("image"), image, 2.0 / 255);
        output.WriteLine($"case {index}: fp16 image first8 worst {pixel * 255:F4}/255");
    }

    [Fact]
    public void Batched_prompts_get_the_images_each_gets_alone()
    {
        var a = Request(Pipeline, Case(0));
        var b = Request(Pipeline, Case(0)) with { Conditioning = Pipeline.ParseConditioning(new ConditioningFields(Prompt: "a dog on a beach", Prompt2: "a cat", NegativePrompt: "blurry")), Latents = null, Seed = 9, Count = 2 };
        var together = Pipeline.GenerateBatch([a, b]);
        Assert.Equal(Pipeline.Generate(a), together[0]);
        Assert.Equal(Pipeline.Generate(b), together[1]);
    }

    [Fact]
    public void Latents_of_the_wrong_length_are_refused_naming_the_layout()
    {
        var request = Request(Pipeline, Case(0)) with { Latents = new float[100] };
        var error = Assert.Throws<HsoService.Optimization.HsoArgumentException>(() => Pipeline.Generate(request));
        Assert.Equal("latents", error.ParamName);
        Assert.Contains("[1, 4, 16, 16]", error.Message);
    }
}
