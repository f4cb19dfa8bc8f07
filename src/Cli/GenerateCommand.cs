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
        var prompt = new Option<string>("--prompt") { Description = "text prompt (Stable Diffusion models)", DefaultValueFactory = _ => "" };
        var negative = new Option<string>("--negative-prompt") { Description = "negative prompt (Stable Diffusion models)", DefaultValueFactory = _ => "" };
        var width = new Option<int?>("--width") { Description = "image width in pixels, a multiple of 8 (Stable Diffusion models)" };
        var height = new Option<int?>("--height") { Description = "image height in pixels, a multiple of 8 (Stable Diffusion models)" };
        var solver = CommonOptions.Solver();
        var nfe = CommonOptions.Nfe();
        var schedule = new Option<string>("--schedule")
        {
            Description = $"auto (the best candidate measured on the model, as the service serves it; the solver's default family for a model without a feature extractor), {string.Join(", ", NamedSchedules.Names)} (families take :variant), or explicit descending times t0,t1,...",
            DefaultValueFactory = _ => "auto",
        };
        var seed = new Option<long>("--seed") { Description = "seed of image 0 (image i uses seed + i)", DefaultValueFactory = _ => 0 };
        var count = new Option<int>("--n") { Description = "number of images (1..256)", DefaultValueFactory = _ => 1 };
        var guidance = new Option<double>("--guidance") { Description = "classifier-free guidance scale (1 = conditional only)", DefaultValueFactory = _ => 1.0 };
        var output = new Option<string>("--out") { Description = "PNG file to write", Required = true };
        var provider = ModelSource.ProviderOption();
        var device = ModelSource.DeviceOption();

        var command = new Command("generate", "Generate images with a schedule and write them as a PNG")
        {
            model, label, prompt, negative, width, height, solver, nfe, schedule, seed, count, guidance, output, provider, device,
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
            ClassifierFreeGuidance.Validate(result.GetValue(guidance));
            (pipeline as PixelDiffusionPipeline)?.ValidateLabel(result.GetValue(label));
            var times = ResolveTimes(pipeline, sessions, result.GetRequiredValue(schedule), solverKind, steps);
            var evaluations = (double)steps * (pipeline is PixelDiffusionPipeline pixel ? Math.Ceiling(n / (double)pixel.MaxBatch) : 1);
            var (images, channels, imageHeight, imageWidth) = ConsoleProgress.Run($"generating {n} image(s)", evaluations, report => pipeline switch
            {
                PixelDiffusionPipeline pixel => (
                    pixel.Generate(new PixelGenerationRequest(solverKind, times, Enumerable.Repeat(result.GetValue(label), n).ToArray(), result.GetValue(guidance), result.GetValue(seed)), done => report(done)),
                    pixel.Folder.Channels, pixel.Folder.SampleSize, pixel.Folder.SampleSize),
                StableDiffusionPipeline sd => (
                    sd.Generate(new TextGenerationRequest(solverKind, times, result.GetRequiredValue(prompt), result.GetRequiredValue(negative), result.GetValue(width) ?? sd.Folder.SampleSize, result.GetValue(height) ?? sd.Folder.SampleSize, n, result.GetValue(guidance), result.GetValue(seed)), done => report(done)),
                    3, result.GetValue(height) ?? sd.Folder.SampleSize, result.GetValue(width) ?? sd.Folder.SampleSize),
                _ => throw new InvalidOperationException($"unsupported pipeline {pipeline.Kind}"),
            });

            var (grid, gridHeight, gridWidth) = n == 1 ? (images, imageHeight, imageWidth) : ImageGrid.Tile(images, n, channels, imageHeight, imageWidth);
            var path = result.GetRequiredValue(output);
            File.WriteAllBytes(path, PngEncoder.Encode(grid, 0, channels, gridHeight, gridWidth));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {path}: {n} image(s) {imageWidth}x{imageHeight}, {solverKind.Name()} nfe {steps}, t = {string.Join(", ", times.Select(t => t.ToString("G5", CultureInfo.InvariantCulture)))}, provider {pipeline.Provider.ToString().ToLowerInvariant()}"));
            return 0;
        });
        return command;
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
