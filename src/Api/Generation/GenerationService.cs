using System.Diagnostics;
using System.Text.Json;
using HsoService.Api.Configuration;
using HsoService.Api.Hosting;
using HsoService.Api.Schedules;
using HsoService.Api.Telemetry;
using HsoService.Inference.Denoising;
using HsoService.Inference.Images;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Requests;
using HsoService.Inference.Validation;
using HsoService.Optimization;
using HsoService.Optimization.Families;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;
using HsoService.Optimization.Validated;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Generation;

/// <summary>
/// Validates a generation request, resolves its schedule (cached, computed, family or explicit), samples with the
/// model's pipeline under the configured timeout, and encodes PNGs.
/// </summary>
public sealed class GenerationService(ModelCatalog models, ScheduleService schedules, GenerationBatcher batcher, HsoTelemetry telemetry, IOptions<HsoServiceOptions> options)
{
    public async Task<GenerationResult> GenerateAsync(GenerateCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var (model, solver, nfe, count, seed) = (command.Model, command.Solver, command.Nfe, command.Count, command.Seed);
        var freshness = new Freshness();
        var (schedule, source) = await ResolveScheduleAsync(model, solver, nfe, command.Schedule, freshness, cancellationToken);

        using var activity = HsoTelemetry.Source.StartActivity("generate");
        activity?.SetTag("hso.model", model);
        activity?.SetTag("hso.solver", solver.Name());
        activity?.SetTag("hso.nfe", nfe);
        activity?.SetTag("hso.schedule_source", source);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.GenerationTimeoutSeconds));
        var stopwatch = Stopwatch.StartNew();
        var item = Item(command, schedule);
        float[] images;
        try
        {
            images = await batcher.SampleAsync(item, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(item.Started
                ? $"generation took longer than {options.Value.GenerationTimeoutSeconds} s and was cancelled"
                : $"no generation slot came free within {options.Value.GenerationTimeoutSeconds} s ({options.Value.GenerationConcurrency} batches run at once, Hso:GenerationConcurrency)");
        }

        var pngs = Encode(command, images);
        telemetry.GenerationLatency.Record(stopwatch.Elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("model", model));
        telemetry.Images.Add(count, new KeyValuePair<string, object?>("model", model));
        return new GenerationResult(pngs, [.. Enumerable.Range(0, count).Select(i => seed + i)], schedules.ForClient(model, schedule), source, command.Format, freshness.Stale, item.BatchImages);
    }

    private static BatchItem Item(GenerateCommand command, Schedule schedule) => command.Pipeline switch
    {
        PixelDiffusionPipeline pixel => BatchItem.For(pixel, new PixelGenerationRequest(command.Solver, schedule.T, Enumerable.Repeat(command.ClassLabel, command.Count).ToArray(), command.Guidance, command.Seed, schedule.FinalStep)),
        StableDiffusionPipeline sd => BatchItem.For(sd, new TextGenerationRequest(command.Solver, schedule.T, command.Prompt!, command.NegativePrompt, command.Width, command.Height, command.Count, command.Guidance, command.Seed, schedule.FinalStep)),
        var other => throw new InvalidOperationException($"no sampler for pipeline {other.Kind}"),
    };

    private static List<byte[]> Encode(GenerateCommand command, float[] images) => command.Pipeline switch
    {
        PixelDiffusionPipeline pixel => [.. Enumerable.Range(0, command.Count).Select(i => PngEncoder.Encode(images, i, pixel.Folder.Channels, pixel.Folder.SampleSize, pixel.Folder.SampleSize))],
        _ => [.. Enumerable.Range(0, command.Count).Select(i => PngEncoder.Encode(images, i, 3, command.Height, command.Width))],
    };

    /// <summary>
    /// diffusers' <c>timesteps=</c> as a schedule: NFE trained steps k, noisiest first, each evaluated at t = (k + 1)/N.
    /// DPM-Solver++ and UniPC schedules carry one more point that only bounds the last step (it lands on sigma = 0),
    /// the trained step below the last one; so their last timestep must be at least 1.
    /// </summary>
    private static List<double> DiffusersTimesteps(NoiseSchedule noise, SolverKind solver, int nfe, JsonElement schedule)
    {
        if (!schedule.TryGetProperty("timesteps", out var list) || list.ValueKind != JsonValueKind.Array || schedule.EnumerateObject().Count() != 1)
        {
            throw new HsoArgumentException("schedule as an object must be {\"timesteps\": [...]}: diffusers' integer timesteps, noisiest first", "schedule");
        }

        var steps = list.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var k) && k >= 0 && k < noise.TrainSteps
            ? k
            : throw new HsoArgumentException($"schedule.timesteps must hold integers in 0..{noise.TrainSteps - 1}; found {item.GetRawText()}", "schedule")).ToList();
        if (steps.Count != nfe)
        {
            throw new HsoArgumentException($"schedule.timesteps must hold NFE = {nfe} timesteps (one per evaluation), got {steps.Count}", "schedule");
        }

        if (steps.Zip(steps.Skip(1)).Any(pair => pair.Second >= pair.First))
        {
            throw new HsoArgumentException("schedule.timesteps must be strictly descending", "schedule");
        }

        var times = steps.Select(k => (k + 1.0) / noise.TrainSteps).ToList();
        if (solver != SolverKind.Ddim)
        {
            times.Add(steps[^1] >= 1
                ? steps[^1] / (double)noise.TrainSteps
                : throw new HsoArgumentException($"schedule.timesteps must end at 1 or above for {solver.Name()}: its last step lands on sigma = 0 from the last timestep", "schedule"));
        }

        return times;
    }

    /// <summary>Set when a schedule was served from an instance's memory because the store was unavailable.</summary>
    private sealed class Freshness
    {
        public bool Stale { get; set; }

        public Schedule? Note(ScheduleService.Entry entry)
        {
            Stale |= entry.Stale && entry.Schedule is not null;
            return entry.Schedule;
        }
    }

    private async Task<(Schedule Schedule, string Source)> ResolveScheduleAsync(string model, SolverKind solver, int nfe, JsonElement? requested, Freshness freshness, CancellationToken cancellationToken)
    {
        var noise = models.Noise(model);
        if (requested is { ValueKind: JsonValueKind.Array } array)
        {
            var times = new List<double>();
            foreach (var item in array.EnumerateArray())
            {
                times.Add(item.ValueKind == JsonValueKind.Number && item.TryGetDouble(out var t) && double.IsFinite(t)
                    ? t
                    : throw new HsoArgumentException($"schedule must hold numbers; found {item.GetRawText()}", "schedule"));
            }

            // Validated under the request's field name before Build checks it again as "t".
            ScheduleBuilder.Validate(noise, solver, nfe, times, "schedule");
            return (ScheduleBuilder.Build(noise, solver, nfe, times, ScheduleMode.Explicit), "explicit");
        }

        if (requested is { ValueKind: JsonValueKind.Object } diffusers)
        {
            var times = DiffusersTimesteps(noise, solver, nfe, diffusers);
            ScheduleBuilder.Validate(noise, solver, nfe, times, "schedule");
            return (ScheduleBuilder.Build(noise, solver, nfe, times, ScheduleMode.Explicit), "explicit");
        }

        var name = requested switch
        {
            null or { ValueKind: JsonValueKind.Null } => "auto",
            { ValueKind: JsonValueKind.String } text => text.GetString()!,
            var other => throw new HsoArgumentException($"schedule must be a name, an array of times or {{\"timesteps\": [...]}}, got {other.Value.ValueKind}", "schedule"),
        };
        if (name == "auto")
        {
            return await AutoAsync(model, solver, nfe, freshness, cancellationToken);
        }

        if (name is NamedSchedules.HsoRobust or NamedSchedules.HsoPaper)
        {
            RequestLimits.OptimizeNfe.Check(nfe, "nfe");
            var mode = name == NamedSchedules.HsoPaper ? ScheduleMode.Paper : ScheduleMode.Robust;
            var key = ScheduleKey.For(model, solver, nfe, mode, ScheduleKey.DefaultSeed);
            if (freshness.Note(await schedules.GetEntryAsync(key, cancellationToken)) is { } cached)
            {
                return (cached, "cached");
            }

            var computed = HsoOptimizer.Optimize(noise, new HsoOptions { Mode = mode, Solver = solver, Nfe = nfe }, null, cancellationToken);
            try
            {
                await schedules.SetAsync(key, computed, cancellationToken);
            }
            catch (StoreUnavailableException)
            {
                // Serve it anyway; it is cheap to compute again.
            }

            return (computed, "computed");
        }

        if (name is "validated" or "selected")
        {
            RequestLimits.OptimizeNfe.Check(nfe, "nfe");
            var mode = ScheduleModes.ParseRequestMode(name);
            return freshness.Note(await schedules.GetEntryAsync(ScheduleKey.For(model, solver, nfe, mode, ScheduleKey.DefaultSeed), cancellationToken)) is { } stored
                ? (stored, "cached")
                : throw new NotFoundException(
                    $"no {name} schedule cached for {model} {solver.Name()} nfe {nfe}; request one with POST /schedules {{\"model\": \"{model}\", \"solver\": \"{solver.Name()}\", \"nfe\": {nfe}, \"mode\": \"{name}\"}}"
                    + (mode == ScheduleMode.Validated ? " (it measures schedules on the model and takes minutes)" : ""),
                    "schedule");
        }

        return ScheduleFamilies.IsFamily(name)
            ? (ScheduleFamilies.Build(noise, name, solver, nfe), "family")
            : throw new HsoArgumentException(
                $"schedule '{EchoedText.Shorten(name)}' is not auto, selected, validated, {string.Join(", ", NamedSchedules.Names)} (uniform_t:trailing|leading|linspace, edm:RHO), an array of times or {{\"timesteps\": [...]}}",
                "schedule");
    }

    /// <summary>
    /// What <c>auto</c> serves: a validated schedule when one is cached, else the measured selection when cached, else
    /// the solver's default family while the selection is queued (or cannot run: no feature score, NFE above the
    /// optimizer's limit, store unavailable). The source names which, and why for the default family.
    /// </summary>
    private async Task<(Schedule Schedule, string Source)> AutoAsync(string model, SolverKind solver, int nfe, Freshness freshness, CancellationToken cancellationToken)
    {
        var noise = models.Noise(model);
        Schedule Default(string why) => ScheduleSelection.Fallback(noise, solver, nfe, why);
        if (nfe > RequestLimits.OptimizeNfe.Max)
        {
            return (Default($"nfe {nfe} is above {RequestLimits.OptimizeNfe.Max}, the most a schedule is measured or optimized for, so the solver's default family is served"), AutoSources.AboveLimit);
        }

        // Each key on its own: while the store is down, a selected schedule this instance holds is still served even
        // when the validated key, looked up first, is not in its memory.
        var selected = ScheduleKey.For(model, solver, nfe, ScheduleMode.Selected, ScheduleKey.DefaultSeed);
        var unavailable = false;
        foreach (var key in new[] { ScheduleKey.For(model, solver, nfe, ScheduleMode.Validated, ScheduleKey.DefaultSeed), selected })
        {
            try
            {
                if (freshness.Note(await schedules.GetEntryAsync(key, cancellationToken)) is { } stored)
                {
                    return (stored, key.Mode.Name());
                }
            }
            catch (StoreUnavailableException)
            {
                unavailable = true;
            }
        }

        const string Outage = "the schedule store is unavailable, so the solver's default family is served";
        if (unavailable)
        {
            return (Default(Outage), AutoSources.StoreUnavailable);
        }

        try
        {
            if (!models.Validation(model).HasFeatureScore)
            {
                return (Default(ModelValidation.NoScoreReason), AutoSources.NoScorer);
            }

            // Deduplicated like any job: many requests for the key queue one selection. The store was read just above.
            await schedules.EnqueueAsync(selected, ScheduleKey.DefaultSeed, force: false, cancellationToken);
            return (Default("the measured selection for this key is queued; until it is stored the solver's default family is served"), AutoSources.Pending);
        }
        catch (StoreUnavailableException)
        {
            return (Default(Outage), AutoSources.StoreUnavailable);
        }
    }
}
