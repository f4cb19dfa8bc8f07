using HsoService.Inference.ModelClasses.StableDiffusion;
using HsoService.Inference.Images;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Families;
using HsoService.Optimization.Schedules;
using SkiaSharp;

namespace HsoService.Inference.Tests.Pipelines;

public sealed class StableDiffusionPipelineTests : IDisposable
{
    private readonly StableDiffusionPipeline _pipeline = new(ModelFolder.Open(Repository.TinySd), new OnnxSessionFactory(new OnnxOptions()));

    public void Dispose() => _pipeline.Dispose();

    private GenerationRequest Request(int width = 64, int height = 64, double guidance = 7.5, int count = 1, long seed = 3, string prompt = "a photo of a cat", string negative = "") =>
        new(SolverKind.DpmPp2M, ScheduleFamilies.Build(_pipeline.Noise, "uniform_t:leading", SolverKind.DpmPp2M, 4).T, new PromptConditioning(prompt, negative, width, height), count, guidance, seed);

    [Fact]
    public void A_64_by_64_text_to_image_run_writes_a_64_by_64_rgb_png()
    {
        var images = _pipeline.Generate(Request());
        Assert.Equal(3 * 64 * 64, images.Length);

        var png = PngEncoder.Encode(images, 0, 3, 64, 64);
        using var decoded = SKBitmap.Decode(png);
        Assert.Equal(64, decoded.Width);
        Assert.Equal(64, decoded.Height);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png.Take(4));
        Assert.Equal(png, PngEncoder.Encode(_pipeline.Generate(Request()), 0, 3, 64, 64));
    }

    [Fact]
    public void Prompts_sampled_together_get_the_images_each_gets_alone()
    {
        var cat = Request(seed: 3, count: 2);
        var dog = Request(seed: 40, prompt: "a dog on a beach", negative: "blurry");
        var together = _pipeline.GenerateBatch([cat, dog]);

        Assert.Equal(_pipeline.Generate(cat), together[0]);
        Assert.Equal(_pipeline.Generate(dog), together[1]);
        Assert.NotEqual(_pipeline.Generate(Request(seed: 40)), together[1]);
        Assert.Throws<ArgumentException>(() => _pipeline.GenerateBatch([cat, Request(width: 32)]));
    }

    [Fact]
    public void The_int64_timestep_unet_runs_on_the_trained_grid()
    {
        Assert.True(_pipeline.DiscreteTime);
        Assert.Equal("stable_diffusion", _pipeline.ClassName);
    }

    [Fact]
    public void Non_square_sizes_and_batches_work()
    {
        var images = _pipeline.Generate(Request(width: 32, height: 48, count: 2));
        Assert.Equal(2 * 3 * 48 * 32, images.Length);
        Assert.All(images, v => Assert.InRange(v, -1f, 1f));
    }

    [Theory]
    [InlineData(60, 64, "width")]
    [InlineData(64, 0, "height")]
    public void Sizes_that_are_not_multiples_of_8_are_clear_errors(int width, int height, string field)
    {
        var error = Assert.Throws<HsoService.Optimization.HsoArgumentException>(() => _pipeline.Generate(Request(width, height)));
        Assert.Equal(field, error.ParamName);
        Assert.Contains("multiple of 8", error.Message);
    }
}

public sealed class StableDiffusionScheduleValidationTests
{
    [Fact]
    public void A_schedule_that_does_not_descend_is_a_clear_error()
    {
        using var pipeline = new StableDiffusionPipeline(ModelFolder.Open(Repository.TinySd), new OnnxSessionFactory(new OnnxOptions()));
        var request = new GenerationRequest(SolverKind.UniPc, [0.2, 0.5, 0.9], new PromptConditioning("cat", "", 64, 64), 1, 7.5, 1);
        var error = Assert.Throws<HsoService.Optimization.HsoArgumentException>(() => pipeline.Generate(request));
        Assert.Equal("t", error.ParamName);
        Assert.Contains("must descend", error.Message);
    }
}
