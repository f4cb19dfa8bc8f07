using System.ComponentModel.DataAnnotations;
using HsoService.Inference.Onnx;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Configuration;

/// <summary>The service's settings, bound from the <c>Hso</c> configuration section and validated at start-up.</summary>
public sealed class HsoServiceOptions
{
    public const string Section = "Hso";

    /// <summary>What this instance does: serve HTTP and run the worker (all), serve HTTP only, or run the worker only.</summary>
    public ServiceRole Role { get; set; } = ServiceRole.All;

    /// <summary>
    /// Models by id (keyed, or a list whose entries name their <see cref="ModelOptions.Id"/>: <see cref="ModelList"/>).
    /// Empty: every folder under the shipped <c>models/</c> directory, by folder name.
    /// </summary>
    public Dictionary<string, ModelOptions> Models { get; set; } = [];

    /// <summary>
    /// Where the embedded store keeps schedules (ignored with Redis): the user's data folder by default
    /// (<c>~/.local/share/hso/data</c> on Linux), never the source tree, so <c>dotnet run</c> leaves the checkout clean.
    /// </summary>
    [Required]
    public string DataDirectory { get; set; } = DefaultDataDirectory;

    /// <summary>The default <see cref="DataDirectory"/>.</summary>
    public static string DefaultDataDirectory => HsoService.Inference.Storage.DataDirectory.Default;

    // ValidateObjectMembers: without it the start-up check stops at this class and the sections' ranges go unchecked.
    [ValidateObjectMembers]
    public OnnxOptions Onnx { get; set; } = new();

    [ValidateObjectMembers]
    public WorkerOptions Worker { get; set; } = new();

    [ValidateObjectMembers]
    public ValidationOptions Validation { get; set; } = new();

    /// <summary>When set, POST endpoints require this value in the <c>X-Api-Key</c> header.</summary>
    public string? ApiKey { get; set; }

    [ValidateObjectMembers]
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>
    /// Days a schedule of non-default options (today a seed other than 66) is kept; schedules of the default options
    /// are kept for good. Without it, seed alone makes 2^31 keys.
    /// </summary>
    [Range(1, 3650)]
    public int OptionRetentionDays { get; set; } = 30;

    /// <summary>
    /// Most schedules of non-default options one client (its valid API key, else its address) keeps stored; a new one
    /// beyond it removes that client's oldest. 200 of about 8 KB each: about 1.6 MB per client.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxStoredSchedulesPerClient { get; set; } = 200;

    /// <summary>
    /// Most schedules of non-default options stored in all (per data directory, or per Redis); a new one beyond it
    /// removes the oldest of anyone's. Schedules of the default options are never counted nor removed.
    /// </summary>
    [Range(1, 100_000_000)]
    public int MaxStoredSchedules { get; set; } = 10_000;

    /// <summary><see cref="MaxStoredSchedulesPerClient"/> and <see cref="MaxStoredSchedules"/> as the stores take them.</summary>
    internal Schedules.StoredScheduleBounds StoredBounds => new(MaxStoredSchedulesPerClient, MaxStoredSchedules);

    /// <summary>
    /// Seconds an instance serves a schedule it has read without reading the store again (0: always read). While the
    /// store is unavailable, older copies are served too, with the header X-Hso-Stale.
    /// </summary>
    [Range(0, 3600)]
    public int CacheSeconds { get; set; } = 5;

    /// <summary>After the store fails twice in a row, calls to it fail at once for this long before it is tried again.</summary>
    [Range(1, 300)]
    public int StoreBreakSeconds { get; set; } = 2;

    /// <summary>A generation not finished in this time, waiting for a slot included, is cancelled and answered 503.</summary>
    [Range(1, 3600)]
    public int GenerationTimeoutSeconds { get; set; } = 120;

    /// <summary>
    /// Batches sampling at once in this instance, each on a thread of its own; further batches wait for a slot (and
    /// take in more requests meanwhile). One by default: a run already uses every core (ONNX Runtime's intra-op
    /// threads), and two at once on 2 cores served 114.8 images/s at 64 clients against 130.1 for one (bench/load.sh).
    /// More lets requests that cannot share a batch (other keys) overlap.
    /// </summary>
    [Range(1, 256)]
    public int GenerationConcurrency { get; set; } = 1;

    /// <summary>
    /// How long a new batch waits for more requests that sample alike (same model, solver, schedule, guidance, size)
    /// before it takes a slot; it keeps taking them while it waits for the slot, up to <c>Hso:Onnx:MaxBatch</c> images.
    /// 0 batches only what arrives while slots are busy.
    /// </summary>
    [Range(0, 10000)]
    public int GenerationBatchWindowMilliseconds { get; set; } = 2;

    /// <summary>
    /// Memory the tensors of running generations may take at once, in MB (<see cref="Inference.Pipelines.DiffusionPipeline.WorkingBytes"/>:
    /// latents and images at each request's size). A batch takes requests only while their bytes fit, batches wait for
    /// room before they run, and a request larger than the budget alone is refused (400 naming n) before it waits.
    /// </summary>
    [Range(16, 1_048_576)]
    public int GenerationMemoryBudgetMegabytes { get; set; } = 2048;

    /// <summary>
    /// Images of the warm-up run each model makes after loading, before the instance reports started and ready: one
    /// batch at the model's default size and guidance, two steps. On CUDA the first run of a shape is slow (cuDNN's
    /// algorithm search, the arena's growth), so by default it runs the largest batch the batcher forms there
    /// (<c>Hso:Onnx:MaxBatch</c>, within the memory budget); on CPU none by default. 0: no warm-up.
    /// </summary>
    [Range(0, OnnxOptions.MaxBatchLimit)]
    public int? WarmupImages { get; set; }

    /// <summary>GET /metrics in Prometheus' text format (OpenTelemetry's exporter), on every role; the autoscaler reads it.</summary>
    public bool PrometheusMetrics { get; set; } = true;
}

/// <summary>The parts of the service an instance runs.</summary>
public enum ServiceRole
{
    /// <summary>HTTP API and optimization worker (the default; <c>dotnet run</c> on a laptop).</summary>
    All,

    /// <summary>HTTP API only; jobs are left to worker instances sharing the same Redis.</summary>
    Http,

    /// <summary>Optimization worker only; HTTP answers the health probes and nothing else.</summary>
    Worker,
}

/// <summary>One served model: its folder and the solver its schedules default to.</summary>
public sealed class ModelOptions
{
    /// <summary>
    /// The model's id when the entry is one of a list (<c>Hso:Models:0:Id</c>); unset, the entry's key is its id
    /// (<see cref="ModelList"/>).
    /// </summary>
    public string? Id { get; set; }

    /// <summary>
    /// The key this entry was configured under (<c>0</c> in the list form), so that errors name the setting the operator
    /// wrote; a field, so that configuration binding never sets it.
    /// </summary>
    internal string? ConfiguredKey;

    /// <summary>
    /// The model folder. Checked by <c>ModelCatalog</c> at start, not by an attribute: options validation does not
    /// reach the entries of <see cref="HsoServiceOptions.Models"/>.
    /// </summary>
    public string Path { get; set; } = "";

    /// <summary>ddim, unipc or dpmpp2m; unipc when not set.</summary>
    public string? DefaultSolver { get; set; }

    /// <summary>
    /// NFE of a request that names none (the OpenAI images route, which has no such field), 2..50 so that auto can
    /// measure and keep its schedule; <c>ModelCatalog.StandardNfe</c> when not set.
    /// </summary>
    public int? DefaultNfe { get; set; }

    /// <summary>ONNX image encoder for validated mode's FD; the folder's <c>classifier/model.onnx</c> when not set.</summary>
    public string? FeatureExtractor { get; set; }

    /// <summary>The encoder's [batch, features] output.</summary>
    public string FeatureOutput { get; set; } = "features";

    /// <summary>Reference feature statistics (from <c>hso reference-stats</c>); the folder's <c>classifier/reference_statistics.json</c> when not set.</summary>
    public string? ReferenceStatistics { get; set; }
}

/// <summary>
/// The validated search (mode <c>validated</c>): calibration samples K and seed, and the budget of model evaluations.
/// Unset K and budget follow the execution provider: K 2048 and 250 measurements on CUDA, K 256 and 150 on CPU.
/// </summary>
public sealed class ValidationOptions
{
    [Range(2, 65536)]
    public int? Samples { get; set; }

    [Range(0, long.MaxValue / 2)]
    public long Seed { get; set; } = HsoService.Inference.Validation.ValidationSettings.DefaultSeed;

    /// <summary>Most model evaluations (one sample through the network once) one search may spend.</summary>
    [Range(1, long.MaxValue)]
    public long? Budget { get; set; }

    /// <summary>Measured schedules the default budget pays for (K x NFE model evaluations each).</summary>
    [Range(1, 100000)]
    public int? Measurements { get; set; }

    /// <summary>DDIM steps of the long reference run used when a model has no feature extractor.</summary>
    [Range(2, 100000)]
    public int ReferenceSteps { get; set; } = 1000;

    /// <summary>Fresh draws of K samples (the next seeds) on which the search's finalists are measured again before choosing.</summary>
    [Range(0, HsoService.Inference.Validation.ModelValidation.MaxConfirmationDraws)]
    public int ConfirmationDraws { get; set; } = HsoService.Inference.Validation.ValidationSettings.DefaultConfirmationDraws;

    /// <summary>
    /// How the finalists are chosen among on the confirmation draws: <c>mean</c> (lowest mean score) or
    /// <c>every-draw</c> (a searched schedule must beat the best training-free candidate on every draw).
    /// </summary>
    [ConfirmationRule("Hso:Validation:ConfirmationRule")]
    public string ConfirmationRule { get; set; } = "mean";

    /// <summary>Samples per confirmation draw (4 draws) of the trajectory, teacher and refine strategies.</summary>
    [Range(2, 65536)]
    public int StrategySamples { get; set; } = HsoService.Inference.Validation.ValidationSettings.DefaultStrategySamples;

    /// <summary>Samples of the teacher run the trajectory and teacher strategies learn from.</summary>
    [Range(2, 65536)]
    public int TeacherSamples { get; set; } = HsoService.Inference.Validation.TeacherRun.DefaultSamples;
}

/// <summary>The background optimization worker.</summary>
public sealed class WorkerOptions
{
    /// <summary>Run optimization jobs in this instance.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Jobs run at once in this instance.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 1;

    /// <summary>A job unacknowledged this long (its worker died) is reclaimed by another instance (Redis only).</summary>
    [Range(1, 3600)]
    public int ClaimIdleSeconds { get; set; } = 30;

    /// <summary>
    /// Most jobs waiting in the queue: per instance in embedded mode, for the whole cluster with Redis. A new job
    /// beyond it is refused with 503 and Retry-After; a request for a key already queued still gets its job.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxQueued { get; set; } = 1000;

    /// <summary>Most queued or running jobs one client (its valid API key, else its address) may have; 429 beyond.</summary>
    [Range(1, 1_000_000)]
    public int MaxActivePerClient { get; set; } = 100;

    /// <summary>A job failing this many times is marked failed.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>How often a running job's state is read for a cancel (a read of the queue per running job each time).</summary>
    [Range(10, 60_000)]
    public int CancelPollMilliseconds { get; set; } = 250;
}

/// <summary>
/// Per-client fixed-window rate limiting; 429 with Retry-After beyond it. A client is its valid API key when it sends
/// one, else its address: the connection's, or the one X-Forwarded-For names when the connection comes from one of
/// <see cref="KnownProxies"/>.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Addresses of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed; none by default.</summary>
    [IpAddresses]
    public List<string> KnownProxies { get; set; } = [];

    [Range(1, 1_000_000)]
    public int PermitsPerWindow { get; set; } = 1000;

    [Range(1, 3600)]
    public int WindowSeconds { get; set; } = 1;
}
