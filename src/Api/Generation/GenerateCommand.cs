using System.Text.Json;
using HsoService.Api.Hosting;
using HsoService.Inference.Denoising;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Requests;
using HsoService.Optimization;
using HsoService.Optimization.Schedules;

namespace HsoService.Api.Generation;

/// <summary>
/// <c>POST /generate</c> parsed once, before any slot is waited for: a served model's pipeline, a solver and NFE within
/// <see cref="RequestLimits"/>, the conditioning that model takes (a class label for a pixel model, a prompt and size
/// for Stable Diffusion; a field the model does not take is refused, not ignored), guidance, seed, count and format.
/// The schedule stays as requested (a name, times or timesteps): resolving it may need the store.
/// </summary>
public sealed record GenerateCommand(
    string Model,
    DiffusionPipeline Pipeline,
    SolverKind Solver,
    int Nfe,
    JsonElement? Schedule,
    int? ClassLabel,
    string? Prompt,
    string NegativePrompt,
    int Width,
    int Height,
    double Guidance,
    long Seed,
    int Count,
    ResponseFormat Format)
{
    public static GenerateCommand Parse(GenerateRequest request, ModelCatalog models, bool preferJson = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = models.Require(request.Model);
        var nfe = RequestLimits.SampleNfe.Check(request.Nfe ?? throw new HsoArgumentException($"nfe is required (an integer in {RequestLimits.SampleNfe})", "nfe"), "nfe");
        var solver = request.Solver is null ? models.DefaultSolver(model) : Solvers.Parse(request.Solver);
        var count = RequestLimits.Images.Check(request.N ?? 1, "n");

        // A PNG body holds one image: png is the default for one image, b64_json for several.
        // Names are read case-insensitively, like the solver's and the mode's: generated clients may send B64_json.
        var format = request.ResponseFormat?.Trim().ToLowerInvariant() switch
        {
            null => count == 1 && !preferJson ? ResponseFormat.Png : ResponseFormat.B64Json,
            "png" when count > 1 => throw new HsoArgumentException($"response_format png returns one image, but n is {count}; use b64_json for several", "response_format"),
            "png" => ResponseFormat.Png,
            "b64_json" => ResponseFormat.B64Json,
            _ => throw new HsoArgumentException($"response_format must be png or b64_json, got '{EchoedText.Shorten(request.ResponseFormat, 32)}'", "response_format"),
        };
        var seed = RequestLimits.ImageSeed.Check(request.Seed ?? Random.Shared.NextInt64(0, int.MaxValue), "seed");

        var pipeline = models.Pipeline(model);
        var guidance = request.GuidanceScale ?? (pipeline is StableDiffusionPipeline ? 7.5 : 1.0);
        ClassifierFreeGuidance.Validate(guidance);
        RequestLimits.CheckText(request.Prompt, "prompt");
        RequestLimits.CheckText(request.NegativePrompt, "negative_prompt");
        switch (pipeline)
        {
            case PixelDiffusionPipeline pixel:
                Refuse(request.Prompt, "prompt", model, "a class-conditional pixel model: it takes class_label");
                Refuse(request.NegativePrompt, "negative_prompt", model, "a class-conditional pixel model: it takes class_label");
                Refuse(request.Width, "width", model, $"a pixel model of fixed size {pixel.Folder.SampleSize}");
                Refuse(request.Height, "height", model, $"a pixel model of fixed size {pixel.Folder.SampleSize}");
                pixel.ValidateLabel(request.ClassLabel);
                return new GenerateCommand(model, pipeline, solver, nfe, request.Schedule, request.ClassLabel, null, "", pixel.Folder.SampleSize, pixel.Folder.SampleSize, guidance, seed, count, format);

            case StableDiffusionPipeline sd:
                Refuse(request.ClassLabel, "class_label", model, "a text-to-image model: it takes prompt");
                var prompt = request.Prompt ?? throw new HsoArgumentException("prompt is required for a Stable Diffusion model", "prompt");
                var width = Side(request.Width ?? sd.Folder.SampleSize, "width");
                var height = Side(request.Height ?? sd.Folder.SampleSize, "height");
                return new GenerateCommand(model, pipeline, solver, nfe, request.Schedule, null, prompt, request.NegativePrompt ?? "", width, height, guidance, seed, count, format);

            default:
                throw new InvalidOperationException($"no sampler for pipeline {pipeline.Kind}");
        }
    }

    private static int Side(int value, string field) => RequestLimits.Side.Check(value, field) % 8 == 0
        ? value
        : throw new HsoArgumentException($"{field} must be a multiple of 8 in {RequestLimits.Side}, got {value}", field);

    private static void Refuse<T>(T? value, string field, string model, string why)
    {
        if (value is not null)
        {
            throw new HsoArgumentException($"{field} does not apply to '{model}', {why}", field);
        }
    }

}
