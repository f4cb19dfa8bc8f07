using System.Diagnostics;
using HsoService.Api.Configuration;
using HsoService.Api.Hosting;
using HsoService.Api.Schedules;
using HsoService.Api.Telemetry;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Worker;

/// <summary>
/// Runs optimization jobs from the queue, <c>Hso:Worker:Concurrency</c> at a time. A job's schedule is stored before
/// the job is acknowledged; a key already cached (unless forced) completes without searching again, so however many
/// requests race, one search runs per key. On shutdown an unfinished job goes back to the queue uncounted.
/// </summary>
public sealed class OptimizationWorker(
    IJobQueue queue,
    ScheduleService schedules,
    ModelCatalog models,
    HsoTelemetry telemetry,
    IOptions<HsoServiceOptions> options,
    ILogger<OptimizationWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Worker;
        if (!settings.Enabled || options.Value.Role == ServiceRole.Http)
        {
            logger.LogInformation("Optimization worker disabled in this instance (role {Role})", options.Value.Role);
            return Task.CompletedTask;
        }

        var prefix = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
        return Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(i => LoopAsync($"{prefix}-{i}", stoppingToken)));
    }

    private async Task LoopAsync(string consumer, CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            OptimizationJob job;
            try
            {
                telemetry.SetQueueDepth(await queue.DepthAsync(stoppingToken));
                job = await queue.TakeAsync(consumer, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (ScheduleService.IsOutage(e))
            {
                logger.LogWarning("Job queue unavailable ({Message}); retrying in 1 s", e.Message);
                await Delay(stoppingToken);
                continue;
            }

            await RunAsync(job, stoppingToken);
        }
    }

    private async Task RunAsync(OptimizationJob job, CancellationToken stoppingToken)
    {
        using var activity = HsoTelemetry.Source.StartActivity("optimize");
        activity?.SetTag("hso.model", job.Model);
        activity?.SetTag("hso.solver", job.Solver);
        activity?.SetTag("hso.nfe", job.Nfe);
        activity?.SetTag("hso.mode", job.Mode);
        var stopwatch = Stopwatch.StartNew();
        var solver = Solvers.Parse(job.Solver);
        var mode = ScheduleModes.ParseOptimizerMode(job.Mode);
        var key = ScheduleKey.For(job.Model, solver, job.Nfe, mode, job.Seed);
        var result = $"/schedules/{job.Model}/{job.Nfe}?solver={job.Solver}&mode={job.Mode}" + (job.Seed == ScheduleKey.DefaultSeed ? "" : $"&seed={job.Seed}");
        try
        {
            if (!job.Force && await schedules.GetAsync(key, stoppingToken) is not null)
            {
                await queue.CompleteAsync(job, result, CancellationToken.None);
                return;
            }

            var noise = models.Noise(job.Model);
            telemetry.CountSearch();
            var search = new HsoOptions { Mode = mode, Solver = solver, Nfe = job.Nfe, Seed = job.Seed };
            var schedule = await Task.Run(
                () => HsoOptimizer.Optimize(noise, search, (generation, total) => _ = queue.ReportProgressAsync(job.Id, Math.Min(1.0, (double)generation / Math.Max(total, 1)), CancellationToken.None), stoppingToken),
                stoppingToken);
            await schedules.SetAsync(key, schedule, CancellationToken.None);
            await queue.CompleteAsync(job, result, CancellationToken.None);
            telemetry.Optimizations.Add(1, new KeyValuePair<string, object?>("status", JobStatus.Succeeded));
            telemetry.OptimizationDuration.Record(stopwatch.Elapsed.TotalMilliseconds);
            logger.LogInformation("Optimized {Key} in {ElapsedMs:F1} ms (fitness {Fitness})", job.Key, stopwatch.Elapsed.TotalMilliseconds, schedule.Fitness);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await Try(() => queue.ReleaseAsync(job, CancellationToken.None), "release", job);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Optimization {Key} failed on attempt {Attempt}", job.Key, job.Attempts);
            telemetry.Optimizations.Add(1, new KeyValuePair<string, object?>("status", JobStatus.Failed));
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            await Try(() => queue.FailAsync(job, e.Message, CancellationToken.None), "fail", job);
        }
    }

    private async Task Try(Func<Task> action, string what, OptimizationJob job)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (ScheduleService.IsOutage(e))
        {
            // The entry stays pending in Redis and is reclaimed once the store is back.
            logger.LogWarning("Could not {What} job {Id}: {Message}", what, job.Id, e.Message);
        }
    }

    private static async Task Delay(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(1000, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
