using HsoService.Inference.Onnx;

namespace HsoService.Inference.Validation;

/// <summary>
/// How a validated search measures schedules on a model: calibration samples K and their seed, the budget of model
/// evaluations (null: 250 measurements on CUDA, 150 on CPU), the feature extractor and its reference statistics
/// (default: the model folder's classifier and <c>classifier/reference_statistics.json</c>), and, for the fallback
/// without one, the reference run's steps and the directory its result is cached in. The search runs on samples
/// Seed .. Seed + K - 1; each confirmation draw r = 1 .. <see cref="ConfirmationDraws"/> takes the next K seeds.
/// </summary>
public sealed record ValidationSettings
{
    /// <summary>K on CUDA; CPU runs use <see cref="CpuSamples"/> so NFE 8 finishes within 15 minutes.</summary>
    public const int GpuSamples = 2048;

    public const int CpuSamples = 256;

    /// <summary>Calibration seed: far from the evaluation seeds (1234 + i), so held-out checks never share a noise.</summary>
    public const long DefaultSeed = 1_000_003;

    /// <summary>K; null takes <see cref="GpuSamples"/> on CUDA and <see cref="CpuSamples"/> on CPU.</summary>
    public int? Samples { get; init; }

    public long Seed { get; init; } = DefaultSeed;

    /// <summary>Most model evaluations (one sample through the network once); null: a number of measurements by provider.</summary>
    public long? Budget { get; init; }

    /// <summary>Measured schedules the default budget pays for on CPU.</summary>
    public const int CpuMeasurements = 150;

    /// <summary>Measured schedules the budget pays for when <see cref="Budget"/> is not set; null: 250 on CUDA, 150 on CPU.</summary>
    public int? Measurements { get; init; }

    /// <summary>Default number of fresh draws of K samples the finalists are measured on again before choosing.</summary>
    public const int DefaultConfirmationDraws = 3;

    /// <summary>Fresh draws of K samples the finalists are measured on again before choosing (0: choose on the search's draw).</summary>
    public int ConfirmationDraws { get; init; } = DefaultConfirmationDraws;

    /// <summary>How the finalists are chosen among on the confirmation draws (lowest mean by default).</summary>
    public HsoService.Optimization.Validated.ConfirmationRule ConfirmationRule { get; init; }

    /// <summary>The strategy of a validated search that names none; null: refine where the model has a feature score, else search.</summary>
    public HsoService.Optimization.Validated.ValidatedStrategy? Strategy { get; init; }

    /// <summary>Samples per confirmation draw of the model-aware strategies (on every provider: a statistical need, not a hardware one).</summary>
    public int StrategySamples { get; init; } = DefaultStrategySamples;

    public const int DefaultStrategySamples = 256;

    /// <summary>Samples of the teacher run the trajectory and teacher strategies learn from.</summary>
    public int TeacherSamples { get; init; } = TeacherRun.DefaultSamples;

    /// <summary>An ONNX image encoder to use instead of the folder's classifier.</summary>
    public string? FeatureExtractor { get; init; }

    /// <summary>The encoder's output holding [batch, features].</summary>
    public string FeatureOutput { get; init; } = "features";

    /// <summary>Reference feature statistics (JSON from <c>hso reference-stats</c>) instead of the folder's.</summary>
    public string? ReferenceStatistics { get; init; }

    /// <summary>DDIM steps of the fallback's reference run (every trained step by default).</summary>
    public int ReferenceSteps { get; init; } = 1000;

    /// <summary>Where fallback reference runs are cached.</summary>
    public string CacheDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "hso-cache");

    /// <summary>K for the provider the model runs on.</summary>
    public int SamplesFor(ExecutionProvider provider) => Samples ?? (provider == ExecutionProvider.Cuda ? GpuSamples : CpuSamples);

    /// <summary>
    /// How many consecutive seeds from <see cref="Seed"/> calibration uses: K for the search and K per confirmation
    /// draw, or for the model-aware strategies <see cref="ModelValidation.StrategyDraws"/> draws of
    /// <see cref="StrategySamples"/> and then the teacher's samples, whichever is longer.
    /// </summary>
    public long SeedCount(ExecutionProvider provider) =>
        Math.Max((long)SamplesFor(provider) * (1 + ConfirmationDraws), ((long)ModelValidation.StrategyDraws * StrategySamples) + TeacherSamples);

    /// <summary>The budget for K samples at an NFE on the provider.</summary>
    public long BudgetFor(ExecutionProvider provider, int nfe) =>
        Budget ?? (long)SamplesFor(provider) * nfe * (Measurements ?? (provider == ExecutionProvider.Cuda ? HsoService.Optimization.Validated.ValidatedOptions.DefaultMeasurements : CpuMeasurements));
}
