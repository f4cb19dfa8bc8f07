using HsoService.Inference.ModelClasses.ClassConditionalPixel;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;

namespace HsoService.Inference.Tests;

/// <summary>Paths into the repository and the shipped models, shared by the tests (the digits pipeline is opened once).</summary>
internal static class Repository
{
    public static string Root => HsoService.Tests.Shared.RepositoryRoot.Path;

    public static string Digits => Path.Combine(Root, "models", "digits16-ddpm");

    public static string TinySd => Path.Combine(Root, "tests", "fixtures", "tiny-sd");

    public static string DigitsData => Path.Combine(Root, "data", "digits16.csv.gz");

    private static readonly Lazy<PixelDiffusionPipeline> LazyDigits = new(() =>
        new PixelDiffusionPipeline(ModelFolder.Open(Digits), new OnnxSessionFactory(new OnnxOptions())));

    public static PixelDiffusionPipeline DigitsPipeline => LazyDigits.Value;
}
