using System.Text.Json;
using HsoService.Inference.ModelClasses;
using HsoService.Inference.ModelClasses.StableDiffusion;
using HsoService.Inference.ModelClasses.StableDiffusion3;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Families;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Tests.ModelClasses;

/// <summary>
/// tiny-sd3's reference.json (diffusers' StableDiffusion3Pipeline on these graphs, FlowMatchEulerDiscreteScheduler with
/// shift 3) reproduced case by case: CLIP and T5 token ids exactly, embeddings, the default sigmas, the final latents
/// from its initial noise to 1e-4 relative and the image to 1/255.
/// </summary>
public sealed class StableDiffusion3ReferenceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string Fixture = ReferenceCases.Fixture("tiny-sd3");

    private static readonly Lazy<StableDiffusion3Pipeline> LazyPipeline = new(() =>
        (StableDiffusion3Pipeline)ModelClassRegistry.Load(ModelFolder.Open(Fixture), new OnnxSessionFactory(new OnnxOptions())));

    private static StableDiffusion3Pipeline Pipeline => LazyPipeline.Value;

    private static JsonElement Case(int index) => ReferenceCases.Case("tiny-sd3", index);

    public static TheoryData<int> Cases => [0, 1];

    /// <summary>The case's request: Euler (DDIM on a flow) over diffusers' sigmas, its noise as the latents.</summary>
    private static GenerationRequest Request(JsonElement reference)
    {
        var conditioning = Pipeline.ParseConditioning(new ConditioningFields(
            Prompt: reference.GetProperty("prompt").GetString(), NegativePrompt: reference.GetProperty("negative_prompt").GetString(),
            Width: reference.GetProperty("width").GetInt32(), Height: reference.GetProperty("height").GetInt32()));
        var sigmas = reference.GetProperty("sigmas").EnumerateArray().Select(s => s.GetDouble()).ToArray();
        return new GenerationRequest(SolverKind.Ddim, sigmas[..^1], conditioning, 1, reference.GetProperty("guidance_scale").GetDouble(), 0, Latents: ReferenceCases.Floats(reference.GetProperty("noise")));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tokens_are_diffusers_clip_and_t5_ids(int index)
    {
        var reference = Case(index);
        foreach (var (field, prompt) in new[] { ("input_ids", reference.GetProperty("prompt").GetString()!), ("negative_input_ids", reference.GetProperty("negative_prompt").GetString()!) })
        {
            var ids = reference.GetProperty(field);
            Assert.Equal(ReferenceCases.Ints(ids.GetProperty("tokenizer")), Pipeline.Tokenizer.Encode(prompt));
            Assert.Equal(ReferenceCases.Ints(ids.GetProperty("tokenizer_2")), Pipeline.Tokenizer2.Encode(prompt));
            Assert.Equal(ReferenceCases.Ints(ids.GetProperty("tokenizer_3")), Pipeline.Tokenizer3!.Encode(prompt, StableDiffusion3Pipeline.T5Tokens));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Embeddings_and_pooled_projections_are_diffusers(int index)
    {
        var reference = Case(index);
        var (embeddings, pooled, tokens) = Pipeline.EncodePrompt(reference.GetProperty("prompt").GetString()!);
        Assert.Equal(333, tokens);
        ReferenceCases.AssertChecksums(reference.GetProperty("prompt_embeds"), embeddings, 1e-5);
        ReferenceCases.AssertChecksums(reference.GetProperty("pooled_prompt_embeds"), pooled, 1e-5);
        // The negative prompt ("" by default) is encoded, not zeros.
        var (negative, negativePooled, _) = Pipeline.EncodePrompt(reference.GetProperty("negative_prompt").GetString()!);
        ReferenceCases.AssertChecksums(reference.GetProperty("negative_prompt_embeds"), negative, 1e-5);
        ReferenceCases.AssertChecksums(reference.GetProperty("negative_pooled_prompt_embeds"), negativePooled, 1e-5);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_default_schedule_is_diffusers_sigmas(int index)
    {
        var reference = Case(index);
        var sigmas = reference.GetProperty("sigmas").EnumerateArray().Select(s => s.GetDouble()).ToArray();
        var schedule = ScheduleFamilies.Build(Pipeline.Noise, "default", SolverKind.Ddim, sigmas.Length - 1);
        for (var i = 0; i + 1 < sigmas.Length; i++)
        {
            Assert.Equal(sigmas[i], schedule.T[i], 1e-6);
            Assert.Equal(reference.GetProperty("timesteps")[i].GetDouble(), schedule.ModelTimes[i], 1e-3);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Final_latents_and_image_match_diffusers(int index)
    {
        var reference = Case(index);
        var request = Request(reference);
        var latents = Pipeline.SampleLatents([request])[0];
        var expected = ReferenceCases.Floats(reference.GetProperty("final_latents"));
        var scale = expected.Max(Math.Abs);
        var worst = latents.Zip(expected).Max(pair => Math.Abs(pair.First - pair.Second));
        Assert.True(worst <= 1e-4 * scale, $"final latents differ by {worst} (1e-4 relative of {scale} allowed)");

        // diffusers' image is (vae(latents / scaling_factor + shift_factor) / 2 + 0.5).clamp(0, 1).
        var image = Pipeline.Decode(latents, 1, request.Conditioning).Select(v => (v + 1) / 2).ToArray();
        var pixel = ReferenceCases.AssertChecksums(reference.GetProperty("image"), image, 1.0 / 255);
        output.WriteLine($"case {index}: final latents worst {worst:E2} ({worst / scale:E2} relative); image first8 worst {pixel * 255:F4}/255");
    }

    [Fact]
    public void Without_t5_the_sequence_tail_is_zeros_and_the_model_still_loads()
    {
        var copy = Directory.CreateTempSubdirectory("sd3-no-t5").FullName;
        try
        {
            foreach (var file in Directory.EnumerateFiles(Fixture, "*", SearchOption.AllDirectories).Where(f => !f.Contains("text_encoder_3", StringComparison.Ordinal) && !f.Contains("tokenizer_3", StringComparison.Ordinal)))
            {
                var target = Path.Combine(copy, Path.GetRelativePath(Fixture, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            using var pipeline = (StableDiffusion3Pipeline)ModelClassRegistry.Load(ModelFolder.Open(copy), new OnnxSessionFactory(new OnnxOptions()));
            Assert.Null(pipeline.Tokenizer3);
            var (embeddings, _, tokens) = pipeline.EncodePrompt("a photo of a cat");
            var (full, _, _) = Pipeline.EncodePrompt("a photo of a cat");
            Assert.Equal(333, tokens);
            Assert.All(embeddings[(77 * 64)..], v => Assert.Equal(0f, v));
            Assert.Equal(full[..(77 * 64)], embeddings[..(77 * 64)]);
            Assert.Equal("stable_diffusion_3", pipeline.ClassName);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void Conditioning_it_does_not_take_is_refused_by_name()
    {
        var error = Assert.Throws<HsoService.Optimization.HsoArgumentException>(() => Pipeline.ParseConditioning(new ConditioningFields(Prompt: "cat", ClassLabel: 3), "tiny-sd3"));
        Assert.Equal("class_label", error.ParamName);
        Assert.IsType<PromptConditioning>(Pipeline.ParseConditioning(new ConditioningFields(Prompt: "cat")));
    }
}
