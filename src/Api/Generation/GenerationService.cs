using HsoService.Inference.Storage;
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
public sealed class GenerationService(ModelCatalog models, ScheduleService schedules, HsoSearches searches, GenerationBatcher batcher, HsoTelemetry telemetry, IOptions<HsoServiceOptions> options)
{
    public async Task<GenerationResult> GenerateAsync(GenerateCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var (model, solver, nfe, count, seed) = (command.Model, command.Solver, command.Nfe, command.Count, command.Seed);
        var freshness = new Freshness();
        var (schedule, source) = await ResolveScheduleAsync(model, solver, nfe, command.Schedule, command.ScheduleOptions, freshness, cancellationToken);

        using var activity = HsoTelemetry.Source.StartActivity("generate");
        activity?.SetTag("hso.model", model);
        activity?.SetTag("hso.solver", solver.Name());
        activity?.SetTag("hso.nfe", nfe);
        activity?.SetTag("hso.schedule_source", source.Wire());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.GenerationTimeoutSeconds));
        var stopwatch = Stopwatch.StartNew();
        var item = BatchItem.For(command.Pipeline, command.ToRequest(schedule));
        if (item.Bytes > batcher.BudgetBytes)
        {
            throw new HsoArgumentException(
                $"n = {command.Count} images of {command.Conditioning.Width}x{command.Conditioning.Height} need about {item.Bytes >> 20} MB of tensors, above the generation memory budget of {batcher.BudgetBytes >> 20} MB (Hso:GenerationMemoryBudgetMegabytes); ask for fewer or smaller images",
                "n");
        }

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
        return new GenerationResult(pngs, [.. Enumerable.Range(0, count).Select(i => seed + i)], schedules.ForClient(model, schedule, command.ScheduleOptions.ImageSeqLen), source, command.Format, freshness.Stale, item.BatchImages);
    }

    private static List<byte[]> Encode(GenerateCommand command, float[] images)
    {
        var shape = command.Pipeline.ImageShape(command.Conditioning);
        return [.. Enumerable.Range(0, command.Count).Select(i => PngEncoder.Encode(images, i, shape[0], shape[1], shape[2]))];
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

    private async Task<(Schedule Schedule, ScheduleSource Source)> ResolveScheduleAsync(string model, SolverKind solver, int nfe, RequestedSchedule requested, FamilyOptions familyOptions, Freshness freshness, CancellationToken cancellationToken)
    {
        switch (requested)
        {
            case RequestedSchedule.Fixed built:
                return (built.Schedule, built.Source);
            case RequestedSchedule.Auto:
                return await AutoAsync(model, solver, nfe, familyOptions, freshness, cancellationToken);
            case RequestedSchedule.Hso hso:
                var key = ScheduleKey.For(model, solver, nfe, hso.Mode, ScheduleKey.DefaultSeed);
                if (freshness.Note(await schedules.GetEntryAsync(key, cancellationToken)) is { } cached)
                {
                    return (cached, ScheduleSource.Cached);
                }

                return (await searches.SearchAsync(key, models.Noise(model), cancellationToken), ScheduleSource.Computed);
            case RequestedSchedule.Stored stored:
                var name = stored.Mode.Name();
                return freshness.Note(await schedules.GetEntryAsync(ScheduleKey.For(model, solver, nfe, stored.Mode, ScheduleKey.DefaultSeed), cancellationToken)) is { } found
                    ? (found, ScheduleSource.Cached)
                    : throw new NotFoundException(
                        $"no {name} schedule cached for {model} {solver.Name()} nfe {nfe}; request one with POST /schedules {{\"model\": \"{model}\", \"solver\": \"{solver.Name()}\", \"nfe\": {nfe}, \"mode\": \"{name}\"}}"
                        + (stored.Mode == ScheduleMode.Validated ? " (it measures schedules on the model and takes minutes)" : ""),
                        "schedule");
            default:
                throw new InvalidOperationException($"unknown schedule request {requested.GetType().Name}");
        }
    }

    /// <summary>
    /// What <c>auto</c> serves: a validated schedule when one is cached, else the measured selection when cached, else
    /// the solver's default family while the selection is queued (or cannot run: no feature score, NFE above the
    /// optimizer's limit, store unavailable). The source names which, and why for the default family.
    /// </summary>
    private async Task<(Schedule Schedule, ScheduleSource Source)> AutoAsync(string model, SolverKind solver, int nfe, FamilyOptions familyOptions, Freshness freshness, CancellationToken cancellationToken)
    {
        var noise = models.Noise(model);
        Schedule Default(string why) => ScheduleSelection.Fallback(noise, solver, nfe, why, familyOptions);
        if (nfe > RequestLimits.OptimizeNfe.Max)
        {
            return (Default($"nfe {nfe} is above {RequestLimits.OptimizeNfe.Max}, the most a schedule is measured or optimized for, so the solver's default family is served"), ScheduleSource.NfeAboveLimit);
        }

        // Nothing is measured on a model without a feature score, whatever its store holds (a record from before
        // measured modes were refused for it is not served as measured).
        if (!models.HasFeatureScore(model))
        {
            return (Default(ModelValidation.NoScoreReason), ScheduleSource.NoScorer);
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
                    return (stored, key.Mode == ScheduleMode.Validated ? ScheduleSource.Validated : ScheduleSource.Selected);
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
            return (Default(Outage), ScheduleSource.StoreUnavailable);
        }

        try
        {
            // Deduplicated like any job: many requests for the key queue one selection. The store was read just above.
            await schedules.EnqueueAsync(selected, ScheduleKey.DefaultSeed, force: false, cancellationToken);
            return (Default("the measured selection for this key is queued; until it is stored the solver's default family is served"), ScheduleSource.SelectionPending);
        }
        catch (StoreUnavailableException)
        {
            return (Default(Outage), ScheduleSource.StoreUnavailable);
        }
    }
}
