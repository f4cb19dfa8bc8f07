using HsoService.Inference.Storage;
using System.Diagnostics;
using HsoService.Api.Configuration;
using HsoService.Api.Hosting;
using HsoService.Api.Schedules;
using HsoService.Api.Telemetry;
using HsoService.Inference.Validation;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;
using HsoService.Optimization.Validated;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Worker;

/// <summary>
/// Runs optimization jobs from the queue, <c>Hso:Worker:Concurrency</c> at a time. A job's schedule is stored before
/// the job is acknowledged; a key already cached (unless forced) completes without searching again, so however many
/// requests race, one search runs per key. While a job runs its claim is renewed (so a long search is not reclaimed as
/// dead) and it is watched for a cancel; searches run on threads of their own. On shutdown an unfinished job goes back
/// to the queue uncounted. No error ends the worker: an unexpected one is logged with its trace id and counted
/// (<c>hso.worker.errors</c>), and the loop goes on after a second; a job's <c>error</c> says what failed without
/// exception text or paths (those are in the log, under the trace id it names).
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
        var queueDown = false;
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
                // Once per outage, and only the message's first line: the client's diagnostics run to a kilobyte.
                if (!queueDown)
                {
                    logger.LogWarning("Job queue unavailable ({Message}); retrying every second", e.Message.Split('\n')[0]);
                    queueDown = true;
                }

                await Delay(stoppingToken);
                continue;
            }
            catch (Exception e)
            {
                // Whatever it is, the worker outlives it: one bad record or bug must not stop every job after it.
                logger.LogError(e, "The optimization worker's take from the queue failed unexpectedly; retrying in a second");
                telemetry.WorkerErrors.Add(1, new KeyValuePair<string, object?>("stage", "take"));
                await Delay(stoppingToken);
                continue;
            }

            if (queueDown)
            {
                logger.LogInformation("Job queue available again");
                queueDown = false;
            }

            try
            {
                await RunAsync(job, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Running job {Id} failed unexpectedly; the worker goes on", job.Id);
                telemetry.WorkerErrors.Add(1, new KeyValuePair<string, object?>("stage", "run"));
                await Delay(stoppingToken);
            }
        }
    }

    private async Task RunAsync(OptimizationJob job, CancellationToken stoppingToken)
    {
        using var activity = HsoTelemetry.Source.StartActivity("optimize");
        activity?.SetTag("hso.model", job.Model);
        activity?.SetTag("hso.solver", job.Solver.Name());
        activity?.SetTag("hso.nfe", job.Nfe);
        activity?.SetTag("hso.mode", job.Mode.Name());
        var stopwatch = Stopwatch.StartNew();
        var (solver, mode) = (job.Solver, job.Mode);
        var key = ScheduleKey.For(job.Model, solver, job.Nfe, mode, job.Seed, job.Strategy is { } strategy ? ValidatedStrategies.Parse(strategy) : null);
        var result = $"/schedules/{job.Model}/{job.Nfe}?solver={job.Solver.Name()}&mode={job.Mode.Name()}" + (job.Seed == ScheduleKey.DefaultSeed ? "" : $"&seed={job.Seed}") + (job.Strategy is null ? "" : $"&strategy={job.Strategy}");
        using var cancelled = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var watch = WatchForCancel(job.Id, cancelled);
        using var claim = KeepClaimed(job);
        try
        {
            if (!models.Contains(job.Model))
            {
                // Queued before a restart that dropped the model: no attempt can mend it, so it fails once, quietly.
                logger.LogWarning("Job {Key} is for model {Model}, which this instance does not serve (it serves {Models}); failed without retrying", job.Key, job.Model, string.Join(", ", models.Ids));
                telemetry.Optimizations.Add(1, new KeyValuePair<string, object?>("status", JobStatus.Failed.Name()));
                await Try(() => queue.FailAsync(job, $"model '{job.Model}' is not served by the worker that took this job (it serves {string.Join(", ", models.Ids)}); request it again where the model is served", CancellationToken.None, retry: false), "fail", job);
                return;
            }

            if (!job.Force && await schedules.GetAsync(key, stoppingToken) is not null)
            {
                if (await BeginStoringAsync(job, cancelled))
                {
                    await queue.CompleteAsync(job, result, CancellationToken.None);
                }

                return;
            }

            telemetry.CountSearch();
            var schedule = mode switch
            {
                ScheduleMode.Validated => await MeasuredAsync(job, solver, (validation, extra, progress, token) => validation.Optimize(solver, job.Nfe, job.Strategy is { } strategy ? ValidatedStrategies.Parse(strategy) : null, extra, progress, token), cancelled.Token),
                ScheduleMode.Selected => await MeasuredAsync(job, solver, (validation, extra, progress, token) => validation.Select(solver, job.Nfe, extra, progress, token), cancelled.Token),
                _ => await DedicatedThread.Run(
                    () => HsoOptimizer.Optimize(
                        models.Noise(job.Model),
                        new HsoOptions { Mode = mode, Solver = solver, Nfe = job.Nfe, Seed = job.Seed },
                        (generation, total) => Progress(job.Id, (double)generation / Math.Max(total, 1)),
                        cancelled.Token),
                    cancelled.Token),
            };

            if (!await BeginStoringAsync(job, cancelled))
            {
                return;
            }

            await schedules.SetAsync(key, schedule, CancellationToken.None, job.Client);
            await queue.CompleteAsync(job, result, CancellationToken.None);
            telemetry.Optimizations.Add(1, new KeyValuePair<string, object?>("status", JobStatus.Succeeded.Name()));
            telemetry.OptimizationDuration.Record(stopwatch.Elapsed.TotalMilliseconds);
            logger.LogInformation("Optimized {Key} in {ElapsedMs:F1} ms (fitness {Fitness})", job.Key, stopwatch.Elapsed.TotalMilliseconds, schedule.Fitness);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await Try(() => queue.ReleaseAsync(job, CancellationToken.None), "release", job);
        }
        catch (OperationCanceledException) when (cancelled.IsCancellationRequested)
        {
            logger.LogInformation("Optimization {Key} cancelled after {ElapsedMs:F0} ms; nothing stored", job.Key, stopwatch.Elapsed.TotalMilliseconds);
            telemetry.Optimizations.Add(1, new KeyValuePair<string, object?>("status", JobStatus.Cancelled.Name()));
            await Try(() => queue.CancelAsync(job.Id, CancellationToken.None), "acknowledge cancelled", job);
        }
        catch (Exception e)
        {
            var trace = activity?.TraceId.ToString() ?? Activity.Current?.TraceId.ToString() ?? "none";
            logger.LogWarning(e, "Optimization {Key} failed on attempt {Attempt} (trace id {TraceId})", job.Key, job.Attempts, trace);
            telemetry.Optimizations.Add(1, new KeyValuePair<string, object?>("status", JobStatus.Failed.Name()));
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            if (e is StoreWriteException)
            {
                // Space may come back; trying again at once would search again only to fail the same way.
                await Delay(stoppingToken, 5000);
            }

            await Try(() => queue.FailAsync(job, JobError(e, job, trace), CancellationToken.None), "fail", job);
        }
    }

    /// <summary>
    /// A job's <c>error</c> as clients read it (without an API key): what failed, in the service's words, and the trace
    /// id under which the log holds the exception. Never the exception's text, which can name files and internals.
    /// </summary>
    internal static string JobError(Exception error, OptimizationJob job, string traceId) => error switch
    {
        StoreWriteException => $"attempt {job.Attempts}: the schedule was computed but could not be stored (the store cannot write: its disk is full or read-only); trace id {traceId}",
        StoreUnavailableException => $"attempt {job.Attempts}: the schedule store was unavailable; trace id {traceId}",
        _ => $"attempt {job.Attempts}: the {job.Mode.Name()} search failed; the service's log has the details under trace id {traceId}",
    };

    // The watcher polls only every Hso:Worker:CancelPollMilliseconds, so a cancel may not have reached this run yet. The
    // queue decides in one step: the job turns storing (a cancel from then on is refused), or it was cancelled (thrown
    // as such: nothing is stored), or another worker has reclaimed it (false: this run stores nothing).
    private async Task<bool> BeginStoringAsync(OptimizationJob job, CancellationTokenSource cancelled)
    {
        cancelled.Token.ThrowIfCancellationRequested();
        if (await queue.BeginStoringAsync(job, CancellationToken.None))
        {
            return true;
        }

        if (await queue.GetAsync(job.Id, CancellationToken.None) is { Status: JobStatus.Cancelled })
        {
            await cancelled.CancelAsync();
            cancelled.Token.ThrowIfCancellationRequested();
        }

        logger.LogWarning("Optimization {Key} attempt {Attempt} is no longer current (reclaimed by another worker); nothing stored", job.Key, job.Attempts);
        return false;
    }

    // The validated search and the selection measure every candidate, cached HSO schedules of the same key included, on the model.
    private async Task<Schedule> MeasuredAsync(
        OptimizationJob job,
        SolverKind solver,
        Func<ModelValidation, IReadOnlyList<NamedTimes>, Action<double>, CancellationToken, Schedule> measure,
        CancellationToken cancellationToken)
    {
        var extra = new List<NamedTimes>();
        foreach (var cachedMode in new[] { ScheduleMode.Paper, ScheduleMode.Robust })
        {
            if (await schedules.GetAsync(ScheduleKey.For(job.Model, solver, job.Nfe, cachedMode, job.Seed), cancellationToken) is { } cached)
            {
                extra.Add(new NamedTimes($"cached:{cachedMode.Name()}", cached.T));
            }
        }

        var validation = models.Validation(job.Model);
        // Progress now follows model evaluations (many reports a second); the store is told at most every 250 ms.
        var reported = System.Diagnostics.Stopwatch.StartNew();
        var first = true;
        void Throttled(double fraction)
        {
            if (first || fraction >= 1 || reported.ElapsedMilliseconds >= ProgressIntervalMilliseconds)
            {
                first = false;
                reported.Restart();
                Progress(job.Id, fraction);
            }
        }

        return await DedicatedThread.Run(() => measure(validation, extra, Throttled, cancellationToken), cancellationToken);
    }

    private const int ProgressIntervalMilliseconds = 250;

    private void Progress(string id, double fraction) => _ = queue.ReportProgressAsync(id, Math.Min(1.0, fraction), CancellationToken.None);

    // Polls the job's state while it runs, so a cancel made through any instance reaches the worker running it.
    private StopOnDispose WatchForCancel(string id, CancellationTokenSource cancelled) =>
        WhileRunning(TimeSpan.FromMilliseconds(options.Value.Worker.CancelPollMilliseconds), async stop =>
        {
            if (await queue.GetAsync(id, stop) is not { Status: JobStatus.Cancelled })
            {
                return true;
            }

            await cancelled.CancelAsync();
            return false;
        });

    // Renews the job's claim three times per Hso:Worker:ClaimIdleSeconds while it runs, so a long search is not taken
    // for one whose worker died and run again by another worker.
    private StopOnDispose KeepClaimed(OptimizationJob job) =>
        WhileRunning(TimeSpan.FromMilliseconds(options.Value.Worker.ClaimIdleSeconds * 1000.0 / 3), async stop =>
        {
            await queue.RenewAsync(job, stop);
            return true;
        });

    // Runs tick every interval until it returns false or the job's run ends (the returned handle is disposed); a store
    // outage skips a tick. Asynchronous: blocking pool threads on the store would starve the Redis client under load.
    private static StopOnDispose WhileRunning(TimeSpan interval, Func<CancellationToken, Task<bool>> tick)
    {
        var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                {
                    try
                    {
                        if (!await tick(stop.Token))
                        {
                            return;
                        }
                    }
                    catch (Exception e) when (ScheduleService.IsOutage(e))
                    {
                        // Tried again on the next tick.
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The job ended.
            }
            catch (ObjectDisposedException)
            {
                // The job ended while a cancel was being signalled.
            }
        });
        return new StopOnDispose(stop);
    }

    /// <summary>Ends a watch over a running job when the job's run ends.</summary>
    private sealed class StopOnDispose(CancellationTokenSource stop) : IDisposable
    {
        public void Dispose()
        {
            stop.Cancel();
            stop.Dispose();
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
        catch (Exception e)
        {
            logger.LogError(e, "Could not {What} job {Id}", what, job.Id);
            telemetry.WorkerErrors.Add(1, new KeyValuePair<string, object?>("stage", what));
        }
    }

    private static async Task Delay(CancellationToken cancellationToken, int milliseconds = 1000)
    {
        try
        {
            await Task.Delay(milliseconds, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
