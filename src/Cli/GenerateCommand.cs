using System.CommandLine;
using System.Globalization;
using HsoService.Inference.Denoising;
using HsoService.Inference.Images;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Requests;
using HsoService.Inference.Validation;
using HsoService.Optimization;
using HsoService.Optimization.Schedules;

namespace HsoService.Cli;

/// <summary><c>hso generate</c>: images from a model with any schedule, written as one PNG (a grid when n &gt; 1).</summary>
internal static class GenerateCommand
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
        var solver = CommonOptions.Solver();
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

        var command = new Command("generate", "Generate images with a schedule and write them as a PNG")
        {
            model, label, prompt, negative, prompt2, negative2, width, height, latents, solver, nfe, schedule, seed, count, guidance, output, provider, device,
        };
        command.SetAction(result =>
        {
            var n = result.GetValue(count);
            RequestLimits.GridImages.Check(n, "n");
            RequestLimits.ImageSeed.Check(result.GetValue(seed), "seed");

            var solverKind = Solvers.Parse(result.GetRequiredValue(solver));
            var steps = RequestLimits.SampleNfe.Check(result.GetValue(nfe), "nfe");
            var sessions = ModelSource.Sessions(result.GetRequiredValue(provider), result.GetValue(device));
            using var pipeline = ModelSource.Open(result.GetRequiredValue(model), sessions);
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
                // The contract names the API's fields; say which flag carries it.
                throw new HsoArgumentException($"{flag}: {e.Message}", field);
            }

            var initial = result.GetValue(latents) is { } file ? ReadLatents(file) : null;
            var times = ResolveTimes(pipeline, sessions, result.GetRequiredValue(schedule), solverKind, steps);
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

    private static IReadOnlyList<double> ResolveTimes(DiffusionPipeline pipeline, OnnxSessionFactory sessions, string schedule, SolverKind solver, int nfe)
    {
        if (schedule.Trim() == "auto")
        {
            using var validation = new ModelValidation(pipeline, sessions, new ValidationSettings());
            var selected = validation.HasFeatureScore
                ? ConsoleProgress.Run($"selecting a schedule for {solver.Name()} nfe {nfe}", 1.0, report => validation.Select(solver, nfe, progress: report))
                : validation.Select(solver, nfe);
            Console.WriteLine(selected.Validation is { } measured
                ? string.Create(CultureInfo.InvariantCulture, $"auto: {selected.Family}, {measured.Metric} {measured.Score:F3} on {measured.Samples} calibration samples, best of {measured.SchedulesMeasured} measured ({measured.Cost.ModelEvaluations} model evaluations, {measured.Cost.Seconds:F1} s)")
                : $"auto: {selected.Family}; {selected.Warnings[^1]}");
            return selected.T;
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
}
