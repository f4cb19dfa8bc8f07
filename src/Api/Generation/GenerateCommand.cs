using HsoService.Api.Hosting;
using HsoService.Inference.Denoising;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Requests;
using HsoService.Optimization;
using HsoService.Optimization.Families;
using HsoService.Optimization.Schedules;

namespace HsoService.Api.Generation;

/// <summary>
/// <c>POST /generate</c> parsed once, before any slot is waited for: a served model's pipeline, a solver and NFE within
/// <see cref="RequestLimits"/>, the conditioning as the model's class parses it (a field the model does not take is
/// refused, not ignored), the schedule as a typed value, guidance (the class's default when absent), seed, count,
/// the initial latents when given, the response format, and what the model's default schedule needs from the request.
/// </summary>
public sealed record GenerateCommand(
    string Model,
    DiffusionPipeline Pipeline,
    SolverKind Solver,
    int Nfe,
    RequestedSchedule Schedule,
    ImageConditioning Conditioning,
    double Guidance,
    long Seed,
    int Count,
    float[]? Latents,
    ResponseFormat Format,
    FamilyOptions ScheduleOptions)
{
    public static GenerateCommand Parse(GenerateRequest request, ModelCatalog models, bool preferJson = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(models);
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
        RequestLimits.CheckText(request.Prompt, "prompt");
        RequestLimits.CheckText(request.NegativePrompt, "negative_prompt");
        RequestLimits.CheckText(request.Prompt2, "prompt_2");
        RequestLimits.CheckText(request.NegativePrompt2, "negative_prompt_2");

        var pipeline = models.Pipeline(model);
        var guidance = request.GuidanceScale ?? pipeline.Defaults.GuidanceScale;
        ClassifierFreeGuidance.Validate(guidance);
        var conditioning = pipeline.ParseConditioning(new ConditioningFields(
            request.ClassLabel, request.Prompt, request.NegativePrompt, request.Prompt2, request.NegativePrompt2, request.Width, request.Height), model);
        var latents = request.Latents is null ? null : LatentInput.Parse(request.Latents, count, pipeline.LatentShape(conditioning));
        // What the model's default schedule needs from this request (Flux: its token count), worked out once.
        var scheduleOptions = pipeline.ScheduleOptions(conditioning);
        var schedule = RequestedSchedule.Parse(request.Schedule, models.Noise(model), solver, nfe, scheduleOptions);
        if (schedule is RequestedSchedule.Stored stored)
        {
            models.RequireMeasurable(model, stored.Mode, "schedule");
        }

        return new GenerateCommand(model, pipeline, solver, nfe, schedule, conditioning, guidance, seed, count, latents, format, scheduleOptions);
    }

    /// <summary>The pipeline request of these images over a schedule's times.</summary>
    public GenerationRequest ToRequest(Schedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return new GenerationRequest(Solver, schedule.T, Conditioning, Count, Guidance, Seed, schedule.FinalStep, Latents);
    }
}
