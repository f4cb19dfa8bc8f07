using System.Text.Json;
using HsoService.Inference.ModelClasses;
using HsoService.Inference.ModelClasses.StableDiffusion;
using HsoService.Inference.ModelClasses.Flux;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Families;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Tests.ModelClasses;

/// <summary>
/// tiny-flux's reference.json (diffusers' FluxPipeline on these graphs, FlowMatchEulerDiscreteScheduler with dynamic
/// shifting) reproduced case by case: CLIP and T5 token ids exactly, embeddings, mu and the default sigmas, the final
/// (unpacked) latents from its initial noise to 1e-4 relative and the image to 1/255.
/// </summary>
public sealed class FluxReferenceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string Fixture = ReferenceCases.Fixture("tiny-flux");

    private static readonly Lazy<FluxPipeline> LazyPipeline = new(() =>
        (FluxPipeline)ModelClassRegistry.Load(ModelFolder.Open(Fixture), new OnnxSessionFactory(new OnnxOptions())));

    private static FluxPipeline Pipeline => LazyPipeline.Value;

    private static JsonElement Case(int index) => ReferenceCases.Case("tiny-flux", index);

    public static TheoryData<int> Cases => [0, 1];

    /// <summary>The case's request: Euler (DDIM on a flow) over diffusers' sigmas, its noise as the latents.</summary>
    private static GenerationRequest Request(JsonElement reference)
    {
        var conditioning = Pipeline.ParseConditioning(new ConditioningFields(
            Prompt: reference.GetProperty("prompt").GetString(), Width: reference.GetProperty("width").GetInt32(), Height: reference.GetProperty("height").GetInt32()));
        var sigmas = reference.GetProperty("sigmas").EnumerateArray().Select(s => s.GetDouble()).ToArray();
        return new GenerationRequest(SolverKind.Ddim, sigmas[..^1], conditioning, 1, reference.GetProperty("guidance_scale").GetDouble(), 0, Latents: ReferenceCases.Floats(reference.GetProperty("noise")));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tokens_are_diffusers_clip_and_t5_ids(int index)
    {
        var reference = Case(index);
        var prompt = reference.GetProperty("prompt").GetString()!;
        var ids = reference.GetProperty("input_ids");
        Assert.Equal(ReferenceCases.Ints(ids.GetProperty("tokenizer")), Pipeline.Tokenizer.Encode(prompt));
        Assert.Equal(ReferenceCases.Ints(ids.GetProperty("tokenizer_2")), Pipeline.Tokenizer2.Encode(prompt, FluxPipeline.T5Tokens));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Embeddings_and_pooled_output_are_diffusers(int index)
    {
        var reference = Case(index);
        var (embeddings, pooled, width) = Pipeline.EncodePrompt(reference.GetProperty("prompt").GetString()!);
        Assert.Equal(64, width);
        ReferenceCases.AssertChecksums(reference.GetProperty("prompt_embeds"), embeddings, 1e-5);
        ReferenceCases.AssertChecksums(reference.GetProperty("pooled_prompt_embeds"), pooled, 1e-5);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_default_schedule_is_diffusers_sigmas_shifted_by_the_resolutions_mu(int index)
    {
        var reference = Case(index);
        var request = Request(reference);
        var options = Pipeline.ScheduleOptions(request.Conditioning);
        Assert.Equal(reference.GetProperty("image_seq_len").GetInt32(), options.ImageSeqLen);
        var sigmas = reference.GetProperty("sigmas").EnumerateArray().Select(s => s.GetDouble()).ToArray();
        var schedule = ScheduleFamilies.Build(Pipeline.Noise, "default", SolverKind.Ddim, sigmas.Length - 1, options);
        for (var i = 0; i + 1 < sigmas.Length; i++)
        {
            Assert.Equal(sigmas[i], schedule.T[i], 1e-6);
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
    public void Packing_is_diffusers_pack_latents_and_inverts()
    {
        // [1, 2, 4, 4] latents: token (i, j) holds channel c's 2x2 patch in order (c, di, dj).
        var packing = new FluxLatentPacking(2, 4, 4);
        Assert.Equal([4L, 8L], packing.PackedShape);
        var latents = Enumerable.Range(0, 32).Select(v => (float)v).ToArray();
        var packed = new float[32];
        packing.Pack(latents, packed, 1);
        Assert.Equal([0f, 1, 4, 5, 16, 17, 20, 21], packed[..8]);
        Assert.Equal([2f, 3, 6, 7, 18, 19, 22, 23], packed[8..16]);
        var back = new float[32];
        packing.Unpack(packed, back, 1);
        Assert.Equal(latents, back);
    }

    [Fact]
    public void Batched_prompts_get_the_images_each_gets_alone_and_sizes_must_be_multiples_of_16()
    {
        var a = Request(Case(1));
        var b = a with { Conditioning = Pipeline.ParseConditioning(new ConditioningFields(Prompt: "a dog on a beach", Width: 64, Height: 64)), Latents = null, Seed = 9, Count = 2 };
        var together = Pipeline.GenerateBatch([a, b]);
        Assert.Equal(Pipeline.Generate(a), together[0]);
        Assert.Equal(Pipeline.Generate(b), together[1]);
        var error = Assert.Throws<HsoService.Optimization.HsoArgumentException>(() => Pipeline.ParseConditioning(new ConditioningFields(Prompt: "cat", Width: 72)));
        Assert.Equal("width", error.ParamName);
        Assert.Throws<HsoService.Optimization.HsoArgumentException>(() => Pipeline.ParseConditioning(new ConditioningFields(Prompt: "cat", NegativePrompt: "blurry")));
    }
}
