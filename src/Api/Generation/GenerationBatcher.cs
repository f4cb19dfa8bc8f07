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
/// <c>Hso:Onnx:MaxBatch</c> images (a larger request runs alone). A request cancelled before its batch starts leaves
/// it; one cancelled while it runs returns at once and its rows are discarded; a batch whose every request is
/// cancelled stops. Each request's images are the ones it gets alone (the pipelines' rows do not mix).
/// </summary>
public sealed class GenerationBatcher(HsoTelemetry telemetry, IOptions<HsoServiceOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<BatchKey, Batch> _open = [];
    private readonly SemaphoreSlim _slots = new(options.Value.GenerationConcurrency);
    private readonly TimeSpan _window = TimeSpan.FromMilliseconds(options.Value.GenerationBatchWindowMilliseconds);
    private readonly int _maxImages = options.Value.Onnx.MaxBatch;

    /// <summary>Samples the item with whatever joins it; throws <see cref="OperationCanceledException"/> when cancelled.</summary>
    public async Task<float[]> SampleAsync(BatchItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        cancellationToken.ThrowIfCancellationRequested();
        Batch batch;
        var opened = false;
        telemetry.AddGenerationsWaiting(1);
        lock (_gate)
        {
            if (!_open.TryGetValue(item.Key, out batch!) || batch.Images + item.Images > _maxImages)
            {
                batch = new Batch(item.Key);
                _open[item.Key] = batch;
                opened = true;
            }

            batch.Add(item);
            if (batch.Images >= _maxImages)
            {
                _open.Remove(item.Key);
                batch.Full.TrySetResult();
            }
        }

        if (opened)
        {
            _ = DispatchAsync(batch);
        }

        using (cancellationToken.Register(() => Cancel(batch, item)))
        {
            return await item.Result;
        }
    }

    private void Cancel(Batch batch, BatchItem item)
    {
        switch (item.Cancel())
        {
            case { } state when BatchItem.WasWaiting(state):
                telemetry.AddGenerationsWaiting(-1);
                break;
            case not null:
                telemetry.AddGenerationsActive(-1);
                batch.StopIfAbandoned();
                break;
        }
    }

    private async Task DispatchAsync(Batch batch)
    {
        await Task.WhenAny(Task.Delay(_window), batch.Full.Task);
        await _slots.WaitAsync();
        try
        {
            lock (_gate)
            {
                if (_open.TryGetValue(batch.Key, out var current) && current == batch)
                {
                    _open.Remove(batch.Key);
                }
            }

            // Closed now: nothing joins it. The requests still waiting start; the cancelled ones are left out.
            var items = batch.Items.Where(item => item.TryStart()).ToList();
            if (items.Count == 0)
            {
                return;
            }

            telemetry.AddGenerationsWaiting(-items.Count);
            telemetry.AddGenerationsActive(items.Count);
            var images = items.Sum(item => item.Images);
            items.ForEach(item => item.BatchImages = images);
            telemetry.BatchImages.Record(images);
            using var stop = batch.Start(items);
            try
            {
                var results = await DedicatedThread.Run(() => Run(items, stop.Token), stop.Token);
                for (var i = 0; i < items.Count; i++)
                {
                    if (items[i].Complete(results[i]))
                    {
                        telemetry.AddGenerationsActive(-1);
                    }
                }
            }
            catch (Exception error)
            {
                foreach (var item in items.Where(item => item.Fail(error)))
                {
                    telemetry.AddGenerationsActive(-1);
                }
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private static float[][] Run(List<BatchItem> items, CancellationToken cancellationToken) => items[0].Pipeline switch
    {
        PixelDiffusionPipeline pixel => pixel.GenerateBatch([.. items.Select(item => (PixelGenerationRequest)item.Request)], null, cancellationToken),
        StableDiffusionPipeline text => text.GenerateBatch([.. items.Select(item => (TextGenerationRequest)item.Request)], null, cancellationToken),
        var other => throw new InvalidOperationException($"no sampler for pipeline {other.Kind}"),
    };

    /// <summary>The requests of one run; open until its dispatcher takes a slot or it holds its bound of images.</summary>
    private sealed class Batch(BatchKey key)
    {
        private readonly Lock _gate = new();
        private List<BatchItem>? _running;
        private CancellationTokenSource? _stop;

        public BatchKey Key { get; } = key;

        public List<BatchItem> Items { get; } = [];

        public int Images { get; private set; }

        public TaskCompletionSource Full { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(BatchItem item)
        {
            Items.Add(item);
            Images += item.Images;
        }

        public CancellationTokenSource Start(List<BatchItem> running)
        {
            lock (_gate)
            {
                _running = running;
                _stop = new CancellationTokenSource();
                if (running.All(item => item.Result.IsCanceled))
                {
                    _stop.Cancel();
                }

                return _stop;
            }
        }

        /// <summary>Stops the run once none of its requests wants it any more.</summary>
        public void StopIfAbandoned()
        {
            lock (_gate)
            {
                if (_running is not null && _running.All(item => item.Result.IsCanceled))
                {
                    try
                    {
                        _stop?.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // The run ended as it was abandoned.
                    }
                }
            }
        }
    }
}
