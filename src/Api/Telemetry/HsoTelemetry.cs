using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HsoService.Api.Telemetry;

/// <summary>
/// The service's own spans (<c>optimize</c>, <c>generate</c>) and metrics: optimizations by outcome and their duration,
/// queue depth, generation latency and images generated. Exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
/// </summary>
public sealed class HsoTelemetry : IDisposable
{
    public const string Name = "HsoService";

    private long _queueDepth;
    private long _searches;

    public HsoTelemetry()
    {
        Meter = new Meter(Name);
        Optimizations = Meter.CreateCounter<long>("hso.optimizations", description: "Optimization jobs finished, by status");
        OptimizationDuration = Meter.CreateHistogram<double>("hso.optimization.duration", "ms", "Time of one HSO search");
        GenerationLatency = Meter.CreateHistogram<double>("hso.generation.duration", "ms", "Time of one /generate request's sampling");
        Images = Meter.CreateCounter<long>("hso.images", description: "Images generated");
        Meter.CreateObservableGauge("hso.queue.depth", () => Interlocked.Read(ref _queueDepth), description: "Optimization jobs waiting");
    }

    public static ActivitySource Source { get; } = new(Name);

    public Meter Meter { get; }

    public Counter<long> Optimizations { get; }

    public Histogram<double> OptimizationDuration { get; }

    public Histogram<double> GenerationLatency { get; }

    public Counter<long> Images { get; }

    /// <summary>HSO searches this instance ran (for operators' logs and the tests' exactly-once checks).</summary>
    public long Searches => Interlocked.Read(ref _searches);

    public void SetQueueDepth(long depth) => Interlocked.Exchange(ref _queueDepth, depth);

    public void CountSearch() => Interlocked.Increment(ref _searches);

    public void Dispose() => Meter.Dispose();
}
