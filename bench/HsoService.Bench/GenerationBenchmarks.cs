using HsoService.Inference.ModelClasses.ClassConditionalPixel;
using BenchmarkDotNet.Attributes;
using HsoService.Inference.Images;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Families;
using HsoService.Optimization.Schedules;
using Microsoft.ML.OnnxRuntime;

namespace HsoService.Bench;

/// <summary>
/// Overhead of the sampler, guidance plumbing and PNG encoding: a full NFE-10 generation of 16 digits (DPM-Solver++ 2M,
/// guidance 1, grid PNG) against 10 raw unet runs of the same batch of 16 (the baseline). CPU execution provider.
/// </summary>
[MedianColumn]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class GenerationBenchmarks
{
    private const int Batch = 16;
    private const int Nfe = 10;
    private PixelDiffusionPipeline _pipeline = null!;
    private IReadOnlyList<GenerationRequest> _requests = null!;
    private OrtValue[] _inputs = null!;
    private OrtValue[] _outputs = null!;

    [GlobalSetup]
    public void Setup()
    {
        var models = ModelRegistry.FindModelsDirectory() ?? throw new InvalidOperationException("models/ not found; run from the repository");
        _pipeline = new PixelDiffusionPipeline(ModelFolder.Open(Path.Combine(models, "digits16-ddpm")), new OnnxSessionFactory(new OnnxOptions()));
        var times = ScheduleFamilies.Build(_pipeline.Noise, "uniform_lambda", SolverKind.DpmPp2M, Nfe).T;
        _requests = _pipeline.Requests(SolverKind.DpmPp2M, times, [.. Enumerable.Range(0, Batch).Select(i => (int?)(i % 10))], 1.0, 7);
        var sample = new float[Batch * 256];
        Inference.Noise.GaussianNoise.Fill(1, sample);
        _inputs =
        [
            OrtValue.CreateTensorValueFromMemory(sample, [Batch, 1, 16, 16]),
            OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(500f, Batch).ToArray(), [Batch]),
            OrtValue.CreateTensorValueFromMemory(Enumerable.Range(0, Batch).Select(i => (long)(i % 10)).ToArray(), [Batch]),
        ];
        _outputs = [OrtValue.CreateTensorValueFromMemory(new float[Batch * 256], [Batch, 1, 16, 16])];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var value in _inputs.Concat(_outputs))
        {
            value.Dispose();
        }

        _pipeline.Dispose();
    }

    [Benchmark(Baseline = true, Description = "10 raw unet runs, batch 16")]
    public void RawUnet()
    {
        for (var i = 0; i < Nfe; i++)
        {
            _pipeline.Unet.Run(["sample", "timestep", "class_labels"], _inputs, [_pipeline.Unet.FirstOutput], _outputs);
        }
    }

    [Benchmark(Description = "NFE-10 generation + grid PNG, batch 16")]
    public int Generate()
    {
        float[] images = [.. _pipeline.GenerateBatch(_requests).SelectMany(image => image)];
        var (grid, height, width) = ImageGrid.Tile(images, Batch, 1, 16, 16);
        return PngEncoder.Encode(grid, 0, 1, height, width).Length;
    }
}
