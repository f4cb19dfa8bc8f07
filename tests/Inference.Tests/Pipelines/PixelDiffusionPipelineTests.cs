using HsoService.Inference.ModelClasses.ClassConditionalPixel;
using HsoService.Inference.Denoising;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization;
using HsoService.Optimization.Families;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Tests.Pipelines;

public class PixelDiffusionPipelineTests
{
    private static PixelDiffusionPipeline Pipeline => Repository.DigitsPipeline;

    private static GenerationRequest Request(SolverKind solver = SolverKind.UniPc, int nfe = 6, int? label = 3, double guidance = 1.0, long seed = 1, int count = 4) =>
        new(solver, ScheduleFamilies.Build(Pipeline.Noise, "uniform_lambda", solver, nfe).T, new ClassLabelConditioning(label, 16), count, guidance, seed);

    [Fact]
    public void Describes_the_digits_model()
    {
        Assert.Equal("class_conditional_pixel", Pipeline.ClassName);
        Assert.Equal(256, Pipeline.ImageSize);
        Assert.False(Pipeline.DiscreteTime);
        Assert.Equal(PredictionType.Epsilon, Pipeline.PredictionType);
        Assert.Equal(ExecutionProvider.Cpu, Pipeline.Provider);
        Assert.Equal(10, Pipeline.NumClasses);
    }

    [Theory]
    [InlineData(SolverKind.Ddim)]
    [InlineData(SolverKind.DpmPp2M)]
    [InlineData(SolverKind.UniPc)]
    public void The_same_request_gives_identical_images_and_uses_nfe_evaluations(SolverKind solver)
    {
        var steps = 0;
        var first = Pipeline.Generate(Request(solver), _ => steps++);
        var second = Pipeline.Generate(Request(solver));

        Assert.Equal(first, second);
        Assert.Equal(6, steps);
        Assert.All(first, v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void Image_i_of_a_batch_is_the_image_of_seed_plus_i()
    {
        var batch = Pipeline.Generate(Request(seed: 10, count: 3));
        var third = Pipeline.Generate(Request(seed: 12, count: 1));
        Assert.Equal(third, batch.AsSpan(2 * 256, 256).ToArray());
        Assert.NotEqual(batch.AsSpan(0, 256).ToArray(), third);
    }

    [Fact]
    public void Requests_sampled_together_get_the_images_each_gets_alone()
    {
        // Guided (so the unconditional rows double the batch), different labels, seeds and counts, one unconditional.
        GenerationRequest[] requests = [Request(label: 3, guidance: 2.0, seed: 5, count: 2), Request(label: 8, guidance: 2.0, seed: 900, count: 1), Request(label: null, guidance: 2.0, seed: 77, count: 3)];
        var together = Pipeline.GenerateBatch(requests);

        Assert.Equal(3, together.Length);
        for (var r = 0; r < requests.Length; r++)
        {
            Assert.Equal(Pipeline.Generate(requests[r]), together[r]);
        }

        Assert.NotEqual(together[0].AsSpan(0, 256).ToArray(), together[1]);
    }

    [Fact]
    public void Requests_that_sample_differently_cannot_share_a_batch()
    {
        var error = Assert.Throws<ArgumentException>(() => Pipeline.GenerateBatch([Request(nfe: 6), Request(nfe: 5)]));
        Assert.Contains("must share solver, schedule", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Pipeline.GenerateBatch([Request(guidance: 1.0), Request(guidance: 2.0)]));
    }

    [Fact]
    public void Guidance_and_labels_change_the_images()
    {
        var plain = Pipeline.Generate(Request(guidance: 1.0));
        var guided = Pipeline.Generate(Request(guidance: 3.0));
        var other = Pipeline.Generate(Request(label: 8));
        Assert.NotEqual(plain, guided);
        Assert.NotEqual(plain, other);
    }

    [Theory]
    [InlineData(11, 1.0, "class_label", "0..9")]
    [InlineData(-1, 1.0, "class_label", "0..9")]
    [InlineData(3, double.NaN, "guidance_scale", "finite")]
    [InlineData(3, -2.0, "guidance_scale", "[0, 50]")]
    public void Bad_labels_and_guidance_are_clear_errors(int label, double guidance, string field, string detail)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => Pipeline.Generate(Request(label: label, guidance: guidance)));
        Assert.Equal(field, error.ParamName);
        Assert.Contains(detail, error.Message);
    }

    [Fact]
    public void A_schedule_with_too_few_points_is_a_clear_error()
    {
        var request = new GenerationRequest(SolverKind.UniPc, [1.0], new ClassLabelConditioning(3, 16), 1, 1.0, 1);
        var error = Assert.Throws<HsoArgumentException>(() => Pipeline.Generate(request));
        Assert.Equal("nfe", error.ParamName);
        Assert.Contains("got 0", error.Message);
    }

    [Fact]
    public void Cancellation_stops_generation()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => Pipeline.Generate(Request(), null, cancel.Token));
    }
}
