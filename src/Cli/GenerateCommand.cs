using System.CommandLine;
using System.Globalization;
using HsoService.Inference.Denoising;
using HsoService.Inference.Images;
using HsoService.Inference.ModelClasses;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Requests;
using HsoService.Inference.Storage;
using HsoService.Inference.Validation;
using HsoService.Optimization;
using HsoService.Optimization.Families;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Cli;

/// <summary><c>hso generate</c>: images from a model with any schedule, written as one PNG (a grid when n &gt; 1).</summary>
internal static partial class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a model id under models/ (digits16-ddpm) or a model folder", DefaultValueFactory = _ => "digits16-ddpm" };
        var label = new Option<int?>("--label") { Description = "class label (pixel models); omit for unconditional" };
        var prompt = new Option<string?>("--prompt") { Description = "text prompt (Stable Diffusion and SDXL models)" };
        var negative = new Option<string?>("--negative-prompt") { Description = "negative prompt (Stable Diffusion and SDXL models)" };
        var prompt2 = new Option<string?>("--prompt-2") { Description = "SDXL: the second text encoder's prompt (default: --prompt)" };
        var negative2 = new Option<string?>("--negative-prompt-2") { Description = "SDXL: the second text encoder's negative prompt (default: --negative-prompt)" };
        var width = new Option<int?>("--width") { Description = "image width in pixels, a multiple of 8 (Stable Diffusion and SDXL models; default: the model's)" };
        var height = new Option<int?>("--height") { Description = "image height in pixels, a multiple of 8 (Stable Diffusion and SDXL models; default: the model's)" };
        var latents = new Option<string?>("--latents") { Description = "a file of the initial noise as raw little-endian float32, n x C x h x w (numpy's tofile of diffusers' latents=); replaces the seed's noise" };
        var solver = CommonOptions.ModelSolver();
        var nfe = CommonOptions.Nfe();
        var schedule = new Option<string>("--schedule")
        {
            Description = $"auto (the best candidate measured on the model, as the service serves it; the solver's default family for a model without a feature extractor), {string.Join(", ", NamedSchedules.Names)} (families take :variant), or explicit descending times t0,t1,...",
            DefaultValueFactory = _ => "auto",
        };
        var seed = new Option<long>("--seed") { Description = "seed of image 0 (image i uses seed + i)", DefaultValueFactory = _ => 0 };
        var count = new Option<int>("--n") { Description = "number of images (1..256)", DefaultValueFactory = _ => 1 };
        var guidance = new Option<double?>("--guidance") { Description = "classifier-free guidance scale (1 = conditional only; default: the model's, as GET /models lists it)" };
        var output = new Option<string>("--out") { Description = "PNG file to write", Required = true };
        var provider = ModelSource.ProviderOption();
        var device = ModelSource.DeviceOption();
        var data = CommonOptions.DataDirectory();
        var force = new Option<bool>("--force") { Description = "auto: measure the selection again and replace the stored one" };
        var measurement = ValidationOptions.Create();

        var command = new Command("generate", "Generate images with a schedule and write them as a PNG")
        {
            model, label, prompt, negative, prompt2, negative2, width, height, latents, solver, nfe, schedule, seed, count, guidance, output, provider, device, data, force,
        };
        measurement.AddTo(command);
        command.SetAction(result =>
        {
            var n = result.GetValue(count);
            RequestLimits.GridImages.Check(n, "n");
            RequestLimits.ImageSeed.Check(result.GetValue(seed), "seed");

            var steps = RequestLimits.SampleNfe.Check(result.GetValue(nfe), "nfe");
            if (measurement.StrategyGiven(result))
            {
                throw new HsoArgumentException("--strategy applies to hso optimize --mode validated; generate's auto runs the selection (or reads a stored validated schedule)", "strategy");
            }

            var sessions = ModelSource.Sessions(result.GetRequiredValue(provider), result.GetValue(device), measurement.Batch(result));
            var modelName = result.GetRequiredValue(model);
            using var pipeline = ModelSource.Open(modelName, sessions);
            // The service's default: the model class's solver.
            var solverKind = result.GetValue(solver) is { } named ? Solvers.Parse(named) : ModelClassRegistry.Recognise(pipeline.Folder).DefaultSolver;
            Solvers.ValidateNfe(steps, pipeline.Noise.TrainSteps);
            // Checked before auto spends its seconds measuring schedules.
            var guidanceScale = result.GetValue(guidance) ?? pipeline.Defaults.GuidanceScale;
            ClassifierFreeGuidance.Validate(guidanceScale);
            ImageConditioning conditioning;
            try
            {
                conditioning = pipeline.ParseConditioning(new ConditioningFields(
                    result.GetValue(label), result.GetValue(prompt), result.GetValue(negative), result.GetValue(prompt2), result.GetValue(negative2), result.GetValue(width), result.GetValue(height)));
            }
            catch (HsoArgumentException e) when (e.ParamName is { } field && Flags.TryGetValue(field, out var flag))
            {
                // The contract names the API's fields; say which flag carries it, and which flags the model takes.
                var takes = e.Message.IndexOf("it takes ", StringComparison.Ordinal);
                var message = takes < 0 ? e.Message : e.Message[..takes] + FieldName().Replace(e.Message[takes..], m => Flags[m.Value]);
                throw new HsoArgumentException($"{flag}: {message}", field);
            }

            var initial = result.GetValue(latents) is { } file ? ReadLatents(file) : null;
            var store = new ScheduleCache(result.GetRequiredValue(data));
            var settings = measurement.Settings(result, DataDirectory.Calibration(result.GetRequiredValue(data)));
            var auto = new AutoContext(ModelSource.Id(modelName), pipeline, sessions, settings, store, result.GetValue(force), pipeline.ScheduleOptions(conditioning));
            var times = ResolveTimes(auto, result.GetRequiredValue(schedule), solverKind, steps);
            var request = new GenerationRequest(solverKind, times, conditioning, n, guidanceScale, result.GetValue(seed), Latents: initial);
            pipeline.Validate(request);
            var evaluations = (double)steps * Math.Ceiling(n / (double)pipeline.MaxBatch);
            var images = ConsoleProgress.Run($"generating {n} image(s)", evaluations, report => pipeline.Generate(request, done => report(done)));
            var (channels, imageHeight, imageWidth) = pipeline.ImageShape(conditioning) switch
            {
                [var c, var h, var w] => (c, h, w),
                var other => throw new InvalidOperationException($"an image has three dimensions, not {other.Length}"),
            };

            var (grid, gridHeight, gridWidth) = n == 1 ? (images, imageHeight, imageWidth) : ImageGrid.Tile(images, n, channels, imageHeight, imageWidth);
            var path = result.GetRequiredValue(output);
            File.WriteAllBytes(path, PngEncoder.Encode(grid, 0, channels, gridHeight, gridWidth));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {path}: {n} image(s) {imageWidth}x{imageHeight}, {solverKind.Name()} nfe {steps}, t = {string.Join(", ", times.Select(t => t.ToString("G5", CultureInfo.InvariantCulture)))}, provider {pipeline.Provider.ToString().ToLowerInvariant()}"));
            return 0;
        });
        return command;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\b(class_label|negative_prompt_2|prompt_2|negative_prompt|prompt|width|height)\b")]
    private static partial System.Text.RegularExpressions.Regex FieldName();

    private static readonly Dictionary<string, string> Flags = new()
    {
        [ConditioningFields.Names.ClassLabel] = "--label",
        [ConditioningFields.Names.Prompt] = "--prompt",
        [ConditioningFields.Names.NegativePrompt] = "--negative-prompt",
        [ConditioningFields.Names.Prompt2] = "--prompt-2",
        [ConditioningFields.Names.NegativePrompt2] = "--negative-prompt-2",
        [ConditioningFields.Names.Width] = "--width",
        [ConditioningFields.Names.Height] = "--height",
    };

    // Raw little-endian float32, as numpy's tofile writes it on every common machine.
    private static float[] ReadLatents(string path)
    {
        if (!File.Exists(path))
        {
            throw new HsoArgumentException($"--latents: file '{path}' does not exist", "latents");
        }

        var bytes = File.ReadAllBytes(path);
        return bytes.Length % sizeof(float) == 0
            ? LatentBytes.ToFloats(bytes)
            : throw new HsoArgumentException($"--latents: '{path}' holds {bytes.Length} bytes, not a whole number of float32 values", "latents");
    }

    private sealed record AutoContext(string ModelId, DiffusionPipeline Pipeline, OnnxSessionFactory Sessions, ValidationSettings Settings, ScheduleCache Store, bool Force, FamilyOptions FamilyOptions);

    private static IReadOnlyList<double> ResolveTimes(AutoContext context, string schedule, SolverKind solver, int nfe)
    {
        var pipeline = context.Pipeline;
        if (schedule.Trim() == "auto")
        {
            return Auto(context, solver, nfe).T;
        }

        if (schedule.Contains(',', StringComparison.Ordinal))
        {
            var times = schedule.Split(',').Select(part => double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var t)
                ? t
                : throw new HsoArgumentException($"--schedule: '{part}' is not a number", "schedule")).ToArray();
            ScheduleBuilder.Validate(pipeline.Noise, solver, nfe, times, "schedule");
            return times;
        }

        return NamedSchedules.Build(pipeline.Noise, schedule, solver, nfe).T;
    }

    /// <summary>
    /// What the service's <c>auto</c> serves, in the same order: the default family where nothing can be measured (no
    /// feature score, NFE above the optimizer's), else a stored validated schedule, else the stored selection, else the
    /// selection measured now and stored for the next run (and for a service on the same data directory).
    /// </summary>
    private static Schedule Auto(AutoContext context, SolverKind solver, int nfe)
    {
        var noise = context.Pipeline.Noise;
        using var validation = new ModelValidation(context.Pipeline, context.Sessions, context.Settings);
        if (nfe > RequestLimits.OptimizeNfe.Max || !validation.HasFeatureScore)
        {
            var why = validation.HasFeatureScore
                ? $"nfe {nfe} is above {RequestLimits.OptimizeNfe.Max}, the most a schedule is measured or optimized for, so the solver's default family is served"
                : ModelValidation.NoScoreReason;
            var fallback = ScheduleSelection.Fallback(noise, solver, nfe, why, context.FamilyOptions);
            Console.WriteLine($"auto: {fallback.Family}; {why}");
            return fallback;
        }

        var selectedKey = ScheduleKey.For(context.ModelId, solver, nfe, ScheduleMode.Selected, ScheduleKey.DefaultSeed);
        if (!context.Force)
        {
            foreach (var key in new[] { ScheduleKey.For(context.ModelId, solver, nfe, ScheduleMode.Validated, ScheduleKey.DefaultSeed), selectedKey })
            {
                if (context.Store.Read(key, noise) is { } stored)
                {
                    Console.WriteLine($"auto: {Describe(stored)}; read from {context.Store.PathOf(key)} (measured before; --force measures again)");
                    return stored;
                }
            }
        }

        // Cached HSO schedules of the key are candidates too, as the service's selection takes them.
        var extra = new[] { ScheduleMode.Paper, ScheduleMode.Robust }
            .Select(mode => (mode, schedule: context.Store.Read(ScheduleKey.For(context.ModelId, solver, nfe, mode, ScheduleKey.DefaultSeed), noise)))
            .Where(cached => cached.schedule is not null)
            .Select(cached => new NamedTimes($"cached:{cached.mode.Name()}", cached.schedule!.T))
            .ToList();
        var selected = ConsoleProgress.Run($"selecting a schedule for {solver.Name()} nfe {nfe} (once per key: it is stored)", 1.0, report => validation.Select(solver, nfe, extra, progress: report));
        var path = context.Store.Write(selectedKey, selected);
        Console.WriteLine($"auto: {Describe(selected)}; measured now{(path is null ? "" : $", stored in {path}")}");
        return selected;
    }

    private static string Describe(Schedule schedule) => schedule.Validation is { } measured
        ? string.Create(CultureInfo.InvariantCulture, $"{schedule.Family ?? schedule.Mode.Name()}, {measured.Metric} {measured.Score:F3} on {measured.Samples} calibration samples, best of {measured.SchedulesMeasured} measured ({measured.Cost.ModelEvaluations} model evaluations, {measured.Cost.Seconds:F1} s)")
        : schedule.Family ?? schedule.Mode.Name();
}
