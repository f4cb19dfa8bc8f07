using System.Security.Cryptography;
using System.Text.Json;
using HsoService.Inference.Images;
using HsoService.Inference.ModelClasses;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Tests.Pipelines;

/// <summary>
/// PNG bytes pinned before the model-class refactor (image-pins.json, written by the code of b68c240): the refactor
/// must not change one image of digits16-ddpm or tiny-sd, across solvers, schedules and guidance scales.
/// </summary>
public sealed class ImagePinTests
{
    private static readonly string PinFile = Path.Combine(Repository.Root, "tests", "Inference.Tests", "Pipelines", "image-pins.json");

    public static TheoryData<string> Cases => [.. PixelCases.Keys, .. TextCases.Keys];

    private static readonly Dictionary<string, (SolverKind Solver, string Schedule, int Nfe, int?[] Labels, double Guidance, long Seed)> PixelCases = new()
    {
        ["digits ddim uniform_t nfe 6"] = (SolverKind.Ddim, "uniform_t", 6, [0, 1, 2, 3], 1.0, 11),
        ["digits dpmpp2m uniform_lambda nfe 8 guidance 2"] = (SolverKind.DpmPp2M, "uniform_lambda", 8, [3, null], 2.0, 5),
        ["digits unipc edm nfe 5"] = (SolverKind.UniPc, "edm", 5, [7], 1.0, 99),
        ["digits dpmpp2m ays nfe 10 guidance 1.5"] = (SolverKind.DpmPp2M, "ays", 10, [9, 4, 4], 1.5, 2024),
    };

    private static readonly Dictionary<string, (SolverKind Solver, string Schedule, int Nfe, string Prompt, string Negative, int Width, int Height, int Count, double Guidance, long Seed)> TextCases = new()
    {
        ["tiny-sd dpmpp2m uniform_t:leading nfe 4 guidance 7.5"] = (SolverKind.DpmPp2M, "uniform_t:leading", 4, "a photo of a cat", "", 64, 64, 1, 7.5, 3),
        ["tiny-sd ddim uniform_lambda nfe 5 no guidance"] = (SolverKind.Ddim, "uniform_lambda", 5, "a dog on a beach", "blurry", 32, 48, 1, 1.0, 7),
        ["tiny-sd unipc edm nfe 6 guidance 4 n 2"] = (SolverKind.UniPc, "edm", 6, "a photo of a dog", "a cat", 48, 32, 2, 4.0, 41),
    };

    /// <summary>SHA-256 of each image's PNG, in order, through the model-class contract.</summary>
    private static string[] Hashes(string name)
    {
        if (PixelCases.TryGetValue(name, out var pixel))
        {
            var pipeline = Repository.DigitsPipeline;
            var times = NamedSchedules.Build(pipeline.Noise, pixel.Schedule, pixel.Solver, pixel.Nfe).T;
            var images = pipeline.Generate(pixel.Solver, times, pixel.Labels, pixel.Guidance, pixel.Seed);
            return [.. Enumerable.Range(0, pixel.Labels.Length).Select(i => Hash(PngEncoder.Encode(images, i, 1, 16, 16)))];
        }

        var text = TextCases[name];
        using var sd = ModelClassRegistry.Load(ModelFolder.Open(Repository.TinySd), new OnnxSessionFactory(new OnnxOptions()));
        var textTimes = NamedSchedules.Build(sd.Noise, text.Schedule, text.Solver, text.Nfe).T;
        var conditioning = sd.ParseConditioning(new ConditioningFields(Prompt: text.Prompt, NegativePrompt: text.Negative, Width: text.Width, Height: text.Height));
        var textImages = sd.Generate(new GenerationRequest(text.Solver, textTimes, conditioning, text.Count, text.Guidance, text.Seed));
        return [.. Enumerable.Range(0, text.Count).Select(i => Hash(PngEncoder.Encode(textImages, i, 3, text.Height, text.Width)))];
    }

    private static string Hash(byte[] png) => Convert.ToHexStringLower(SHA256.HashData(png));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Images_are_byte_identical_to_the_pinned_ones(string name)
    {
        var pins = JsonSerializer.Deserialize<Dictionary<string, string[]>>(File.ReadAllText(PinFile))!;
        var actual = Hashes(name);
        // Bytes are promised on one kind of machine (docs/determinism.md): the pins were made on an AVX-512 AMD EPYC.
        Assert.True(
            pins[name].SequenceEqual(actual),
            $"{name}: PNG hashes {string.Join(", ", actual)}, pinned {string.Join(", ", pins[name])}. Run to run they do not move under load; on a CPU of another kind ONNX Runtime's kernels may round differently, and the pins must be made again there");
    }
}
