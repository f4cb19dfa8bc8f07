using System.Threading.RateLimiting;
using HsoService.Api.Configuration;
using HsoService.Api.Hosting;
using HsoService.Api.Telemetry;
using HsoService.Inference.Pipelines;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Generation;

/// <summary>
/// The dynamic batcher: requests that sample alike (one <see cref="BatchKey"/>) and arrive close together are sampled
/// in one run, so the unet sees a batch instead of one image. A new batch waits <c>Hso:GenerationBatchWindowMilliseconds</c>
/// for company, then for one of <c>Hso:GenerationConcurrency</c> slots, taking requests all the while up to
/// <c>Hso:Onnx:MaxBatch</c> images, up to <c>Hso:GenerationMemoryBudgetMegabytes</c> of tensors, and up to what it can
/// sample in half of <c>Hso:GenerationTimeoutSeconds</c> at the step time measured on earlier batches of its model and
/// size (a larger request runs alone). Running batches together stay within the memory budget: a batch waits for
/// room before it runs. A request cancelled before its batch starts leaves
/// it; one cancelled while it runs returns at once and its rows are discarded; a batch whose every request is
/// cancelled stops. Each request's images are the ones it gets alone (the pipelines' rows do not mix).
/// </summary>
/// <remarks>
/// A caller whose request is cancelled answers before its run stops (at the sampler's next step), so the batcher is
/// disposed by waiting for its runs: the models they run on must outlive them. It takes the <see cref="ModelCatalog"/>
/// for that reason alone: the container disposes in reverse order of creation, so the catalog goes after it.
/// </remarks>
public sealed partial class GenerationBatcher(ModelCatalog models, HsoTelemetry telemetry, IOptions<HsoServiceOptions> options, ILogger<GenerationBatcher> logger) : IDisposable
{
    private readonly HashSet<Task> _runs = [];
    private readonly Lock _gate = new();
    private readonly Dictionary<BatchKey, Batch> _open = [];
    private readonly SemaphoreSlim _slots = new(options.Value.GenerationConcurrency);
    private readonly TimeSpan _window = TimeSpan.FromMilliseconds(options.Value.GenerationBatchWindowMilliseconds);
    private readonly int _maxImages = options.Value.Onnx.MaxBatch;
    private readonly int _budgetMegabytes = options.Value.GenerationMemoryBudgetMegabytes;
    private readonly long _budget = (long)options.Value.GenerationMemoryBudgetMegabytes << 20;
    private readonly double _timeShare = TimeShare * options.Value.GenerationTimeoutSeconds;
    private readonly int _timeout = options.Value.GenerationTimeoutSeconds;
    private readonly int _concurrency = options.Value.GenerationConcurrency;
    private long _imagesInFlight;
    private readonly ConcurrencyLimiter _memory = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.GenerationMemoryBudgetMegabytes,
        QueueLimit = int.MaxValue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    // Seconds per image and network evaluation, by model and image size: an average over its recent batches.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(DiffusionPipeline Pipeline, int Width, int Height), double> _stepSeconds = new();

    /// <summary>Share of the generation timeout a batch may be sized to take, leaving the rest for the wait before it.</summary>
    public const double TimeShare = 0.5;

    /// <summary>The memory budget in bytes.</summary>
    public long BudgetBytes => _budget;

    // True when the batch, with the item, stays within images, bytes and the time a batch may take.
    private bool Fits(Batch batch, BatchItem item) =>
        batch.Images + item.Images <= _maxImages
        && batch.Bytes + item.Bytes <= _budget
        && PredictedSeconds(item, batch.Images + item.Images) <= _timeShare;

    private double PredictedSeconds(BatchItem item, int images)
    {
        var size = item.Request.Conditioning;
        return _stepSeconds.TryGetValue((item.Pipeline, size.Width, size.Height), out var perImage) ? perImage * images * item.Evaluations : 0;
    }

    private void RecordStepTime(BatchItem first, int images, double seconds)
    {
        var size = first.Request.Conditioning;
        var measured = seconds / Math.Max(1, images * first.Evaluations);
        // A running average that follows load within a few batches.
        _stepSeconds.AddOrUpdate((first.Pipeline, size.Width, size.Height), measured, (_, previous) => (0.7 * previous) + (0.3 * measured));
    }

    /// <summary>
    /// Samples the item with whatever joins it; throws <see cref="OperationCanceledException"/> when cancelled, and
    /// <see cref="TimeoutException"/> at once when the images already waiting or running, at the step time measured
    /// for its model and size, would keep it from finishing within the generation timeout (an answer now, rather than
    /// the same 503 when the timeout ends).
    /// </summary>
    public async Task<float[]> SampleAsync(BatchItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        cancellationToken.ThrowIfCancellationRequested();
        var inFlight = Interlocked.Add(ref _imagesInFlight, item.Images);
        try
        {
            var predicted = PredictedSeconds(item, (int)Math.Min(int.MaxValue, inFlight)) / _concurrency;
            if (predicted > _timeout)
            {
                throw new TimeoutException(string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"the {inFlight - item.Images} images ahead of this request would keep it from finishing within {_timeout} s (about {predicted:F0} s at the measured step time; Hso:GenerationTimeoutSeconds, Hso:GenerationConcurrency)"));
            }

            telemetry.AddGenerationsWaiting(1);
            var (batch, opened) = Join(item);
            if (opened)
            {
                _ = DispatchAsync(batch).ContinueWith(
                    task => LogDispatchFailure(logger, task.Exception!), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }

            using (cancellationToken.Register(() => Cancel(batch, item)))
            {
                return await item.Result;
            }
        }
        finally
        {
            Interlocked.Add(ref _imagesInFlight, -item.Images);
        }
    }

    private (Batch Batch, bool Opened) Join(BatchItem item)
    {
        lock (_gate)
        {
            if (item.Images >= _maxImages || item.Bytes >= _budget || PredictedSeconds(item, item.Images) > _timeShare)
            {
                // As large as a batch: a run of its own, leaving the open batch of its key to take others.
                var alone = new Batch(item.Key);
                alone.Add(item);
                alone.Full.TrySetResult();
                return (alone, true);
            }

            var opened = false;
            if (!_open.TryGetValue(item.Key, out var batch) || !Fits(batch, item))
            {
                // The open batch cannot take it: that one starts as soon as a slot is free, and a new one opens.
                batch?.Full.TrySetResult();
                batch = new Batch(item.Key);
                _open[item.Key] = batch;
                opened = true;
            }

            batch.Add(item);
            if (batch.Images >= _maxImages || batch.Bytes >= _budget)
            {
                _open.Remove(item.Key);
                batch.Full.TrySetResult();
            }

            return (batch, opened);
        }
    }

    private void Cancel(Batch batch, BatchItem item)
    {
        switch (item.TryCancel())
        {
            case false:
                // Waiting: its images no longer take room in the batch.
                lock (_gate)
                {
                    batch.Remove(item);
                }

                telemetry.AddGenerationsWaiting(-1);
                break;
            case true:
                telemetry.AddGenerationsActive(-1);
                batch.StopIfAbandoned();
                break;
            default:
                return;
        }

        item.PublishCancelled();
    }

    private async Task DispatchAsync(Batch batch)
    {
        using (var window = new CancellationTokenSource())
        {
            await Task.WhenAny(Task.Delay(_window, window.Token), batch.Full.Task);
            await window.CancelAsync();
        }

        await _slots.WaitAsync();
        try
        {
            // Closed now: nothing joins or leaves it. The requests still waiting start; the cancelled ones are left out.
            BatchItem[] joined;
            lock (_gate)
            {
                if (_open.TryGetValue(batch.Key, out var current) && current == batch)
                {
                    _open.Remove(batch.Key);
                }

                batch.Closed = true;
                joined = [.. batch.Items];
            }

            var items = new List<BatchItem>();
            foreach (var item in joined)
            {
                telemetry.AddGenerationsActive(1);
                if (item.TryStart())
                {
                    telemetry.AddGenerationsWaiting(-1);
                    items.Add(item);
                }
                else
                {
                    telemetry.AddGenerationsActive(-1);
                }
            }

            if (items.Count > 0)
            {
                await RunAsync(batch, items);
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task RunAsync(Batch batch, List<BatchItem> items)
    {
        var stop = batch.Start(items);
        float[][]? results = null;
        Exception? failure = null;
        try
        {
            var images = items.Sum(item => item.Images);
            items.ForEach(item => item.BatchImages = images);
            telemetry.BatchImages.Record(images);
            // Room in the memory budget first (a batch never asks for more than all of it).
            var megabytes = (int)Math.Clamp((items.Sum(item => item.Bytes) + (1 << 20) - 1) >> 20, 1, _budgetMegabytes);
            using var room = await _memory.AcquireAsync(megabytes, stop.Token);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var run = DedicatedThread.Run(() => Run(items, stop.Token), stop.Token);
            lock (_gate)
            {
                _runs.Add(run);
            }

            try
            {
                results = await run;
                RecordStepTime(items[0], images, watch.Elapsed.TotalSeconds);
                if (items.Sum(item => item.Bytes) >= TrimBytes)
                {
                    _ = TrimSoonAsync();
                }
            }
            finally
            {
                lock (_gate)
                {
                    _runs.Remove(run);
                }
            }
        }
        catch (Exception error)
        {
            failure = error;
        }
        finally
        {
            batch.End();
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].TryFinish())
            {
                telemetry.AddGenerationsActive(-1);
                if (results is not null)
                {
                    items[i].Publish(results[i]);
                }
                else
                {
                    items[i].Publish(failure!);
                }
            }
        }
    }

    /// <summary>A batch this large hands its memory back to the system once generation is idle.</summary>
    public const long TrimBytes = 256L << 20;

    // The large arrays of a big batch are garbage once its answers are written, but a collector that sees no more
    // allocations never runs: once no batch runs or waits (a second later), one compacting collection gives the memory
    // back (0.15 GB idle, 1.4 GB after two n = 16 1024 x 1024 tiny-sd requests without it; docs/performance.md).
    private async Task TrimSoonAsync()
    {
        // Twice: soon, and once the answers (PNGs, their base64) have surely been written.
        foreach (var wait in new[] { 1, 5 })
        {
            await Task.Delay(TimeSpan.FromSeconds(wait));
            if (telemetry.GenerationsActive == 0 && telemetry.GenerationsWaiting == 0)
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
        }
    }

    /// <summary>Waits (up to a minute) for the runs still sampling, whose callers may have left already.</summary>
    public void Dispose()
    {
        Task[] running;
        lock (_gate)
        {
            running = [.. _runs];
        }

        try
        {
            Task.WaitAll(running, TimeSpan.FromMinutes(1));
        }
        catch (AggregateException)
        {
            // Cancelled or failed runs: their callers were told.
        }

        _memory.Dispose();
        GC.KeepAlive(models);
    }

    private static float[][] Run(List<BatchItem> items, CancellationToken cancellationToken) =>
        items[0].Pipeline.GenerateBatch([.. items.Select(item => item.Request)], null, cancellationToken);

    [LoggerMessage(Level = LogLevel.Error, Message = "A generation batch failed outside its run")]
    private static partial void LogDispatchFailure(ILogger logger, Exception error);

    /// <summary>The requests of one run; open until its dispatcher takes a slot or it holds its bound of images.</summary>
    private sealed class Batch(BatchKey key)
    {
        private readonly Lock _gate = new();
        private List<BatchItem>? _running;
        private CancellationTokenSource? _stop;

        public BatchKey Key { get; } = key;

        /// <summary>Its requests; read and changed only under the batcher's lock.</summary>
        public List<BatchItem> Items { get; } = [];

        public int Images { get; private set; }

        public long Bytes { get; private set; }

        public TaskCompletionSource Full { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(BatchItem item)
        {
            Items.Add(item);
            Images += item.Images;
            Bytes += item.Bytes;
        }

        /// <summary>Set under the batcher's lock when its dispatcher takes it; after that its requests are fixed.</summary>
        public bool Closed { get; set; }

        public void Remove(BatchItem item)
        {
            if (!Closed && Items.Remove(item))
            {
                Images -= item.Images;
                Bytes -= item.Bytes;
            }
        }

        /// <summary>The run's stop token; already cancelled when every request was cancelled before it started.</summary>
        public CancellationTokenSource Start(List<BatchItem> running)
        {
            lock (_gate)
            {
                _running = running;
                _stop = new CancellationTokenSource();
                if (running.All(item => item.IsCancelled))
                {
                    _stop.Cancel();
                }

                return _stop;
            }
        }

        public void End()
        {
            CancellationTokenSource? stop;
            lock (_gate)
            {
                (stop, _stop) = (_stop, null);
            }

            stop?.Dispose();
        }

        /// <summary>Stops the run once none of its requests wants it any more.</summary>
        public void StopIfAbandoned()
        {
            CancellationTokenSource? stop;
            lock (_gate)
            {
                stop = _running is not null && _running.All(item => item.IsCancelled) ? _stop : null;
            }

            try
            {
                stop?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run ended as its last request left.
            }
        }
    }
}
