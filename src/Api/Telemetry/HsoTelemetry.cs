using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HsoService.Api.Telemetry;

/// <summary>
/// The service's own spans (<c>optimize</c>, <c>generate</c>) and metrics: optimizations by outcome and their duration,
/// queue depth, generation latency, generations active and waiting, batch sizes, images generated, unreadable records skipped and worker errors survived. Exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set,
/// and on GET /metrics for Prometheus (Hso:PrometheusMetrics).
/// </summary>
public sealed class HsoTelemetry : IDisposable
{
    public const string Name = "HsoService";

    /// <summary>Generations waiting for their batch to start: the autoscaler's metric (deploy/k8s/generation-scaledobject.yaml).</summary>
    public const string GenerationsWaitingName = "hso.generation.waiting";

    /// <summary>Generations sampling now.</summary>
    public const string GenerationsActiveName = "hso.generation.active";

    public const string GenerationDurationName = "hso.generation.duration";

    /// <summary>
    /// Latency buckets in ms up to the default generation timeout (120 s): the SDK's default buckets end at 10 s, below
    /// a Stable Diffusion class batch.
    /// </summary>
    public static double[] GenerationDurationBuckets { get; } = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 20000, 30000, 60000, 120000];

    private long _queueDepth;
    private long _searches;
    private long _generationsActive;
    private long _generationsWaiting;

    public HsoTelemetry()
    {
        Meter = new Meter(Name);
        Optimizations = Meter.CreateCounter<long>("hso.optimizations", description: "Optimization jobs finished, by status");
        OptimizationDuration = Meter.CreateHistogram<double>("hso.optimization.duration", "ms", "Time of one HSO search");
        GenerationLatency = Meter.CreateHistogram<double>(GenerationDurationName, "ms", "Time of one /generate request's sampling");
        Images = Meter.CreateCounter<long>("hso.images", description: "Images generated");
        BatchImages = Meter.CreateHistogram<int>("hso.generation.batch_size", "{image}", "Images sampled together in one run of the dynamic batcher");
        UnreadableRecords = Meter.CreateCounter<long>("hso.store.unreadable_records", description: "Stored records skipped because they could not be read, by store and kind");
        WorkerErrors = Meter.CreateCounter<long>("hso.worker.errors", description: "Unexpected errors the optimization worker survived");
        StoredSchedulesRemoved = Meter.CreateCounter<long>("hso.store.schedules_removed", description: "Stored schedules of non-default options removed to keep the per-client and total storage bounds");
        Meter.CreateObservableGauge("hso.queue.depth", () => Interlocked.Read(ref _queueDepth), description: "Optimization jobs waiting");
        Meter.CreateObservableUpDownCounter(GenerationsActiveName, () => GenerationsActive, description: "Generations sampling now");
        Meter.CreateObservableUpDownCounter(GenerationsWaitingName, () => GenerationsWaiting, description: "Generations waiting for their batch to start");
    }

    public static ActivitySource Source { get; } = new(Name);

    public Meter Meter { get; }

    public Counter<long> Optimizations { get; }

    public Histogram<double> OptimizationDuration { get; }

    public Histogram<double> GenerationLatency { get; }

    public Counter<long> Images { get; }

    public Histogram<int> BatchImages { get; }

    public Counter<long> UnreadableRecords { get; }

    /// <summary>Stored schedules removed to keep the storage bounds (the oldest of a client over its bound, or of all).</summary>
    public Counter<long> StoredSchedulesRemoved { get; }

    public Counter<long> WorkerErrors { get; }

    /// <summary>HSO searches this instance ran (for operators' logs and the tests' exactly-once checks).</summary>
    public long Searches => Interlocked.Read(ref _searches);

    /// <summary>Generations sampling now (in at most <c>Hso:GenerationConcurrency</c> batches).</summary>
    public long GenerationsActive => Interlocked.Read(ref _generationsActive);

    /// <summary>Generations waiting for their batch to start (its window, then a free slot).</summary>
    public long GenerationsWaiting => Interlocked.Read(ref _generationsWaiting);

    public void SetQueueDepth(long depth) => Interlocked.Exchange(ref _queueDepth, depth);

    public void AddGenerationsActive(int delta) => Interlocked.Add(ref _generationsActive, delta);

    public void AddGenerationsWaiting(int delta) => Interlocked.Add(ref _generationsWaiting, delta);

    public void CountSearch() => Interlocked.Increment(ref _searches);

    public void Dispose() => Meter.Dispose();
}
