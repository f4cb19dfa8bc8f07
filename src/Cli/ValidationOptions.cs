using System.CommandLine;
using HsoService.Inference.Onnx;
using HsoService.Inference.Validation;
using HsoService.Optimization.Validated;

namespace HsoService.Cli;

/// <summary>The options of a validated search, shared by <c>optimize --mode validated</c> and <c>evaluate</c>.</summary>
internal sealed class ValidationOptions
{
    /// <summary>The schedule / mode name.</summary>
    public const string Name = "validated";

    private readonly Option<string?> _strategy = new("--strategy")
    {
        Description = "how the validated search finds its schedule: refine (default: the FD search's two levels on 256 samples, a twentieth of its cost), trajectory (a dynamic program over teacher trajectories), teacher (matching the teacher's samples in feature space), search (the FD search: K x NFE x 150 model evaluations on cpu, 250 on cuda; implied by --budget or --measurements)",
    };

    private readonly Option<int?> _teacherSamples = new("--teacher-samples")
    {
        Description = $"samples of the teacher run the trajectory and teacher strategies learn from (default {TeacherRun.DefaultSamples})",
    };

    private readonly Option<int?> _samples = new("--calibration-samples")
    {
        Description = $"samples per measured schedule (K); default {ValidationSettings.GpuSamples} on cuda, {ValidationSettings.CpuSamples} on cpu for the search, {ValidationSettings.DefaultStrategySamples} per confirmation draw (4 draws) for the other strategies",
    };

    private readonly Option<long> _seed = new("--calibration-seed") { Description = "seed of calibration sample 0", DefaultValueFactory = _ => ValidationSettings.DefaultSeed };

    private readonly Option<long?> _budget = new("--budget")
    {
        Description = "most model evaluations the FD search may spend (implies --strategy search); default K x NFE x 250 on cuda, x 150 on cpu",
    };

    private readonly Option<int?> _measurements = new("--measurements")
    {
        Description = "measured schedules the FD search's default budget pays for (K x NFE each; implies --strategy search); default 250 on cuda, 150 on cpu",
    };

    private readonly Option<int> _draws = new("--confirmation-draws")
    {
        Description = "fresh draws of K samples the finalists are measured on again before choosing; 0 chooses on the search's draw",
        DefaultValueFactory = _ => ValidationSettings.DefaultConfirmationDraws,
    };

    private readonly Option<string> _rule = new("--confirmation-rule")
    {
        Description = "how the finalists are chosen among on the confirmation draws: mean (lowest mean) or every-draw (a searched schedule must beat the best candidate on every draw)",
        DefaultValueFactory = _ => "mean",
    };

    private readonly Option<int> _batch = new("--batch") { Description = "largest unet batch, 1..65536 (64 suits a CPU; try 1024 on a GPU)", DefaultValueFactory = _ => 64 };

    private readonly Option<string?> _extractor = new("--feature-extractor") { Description = "ONNX image encoder for FD (default: the model's classifier)" };

    private readonly Option<string?> _statistics = new("--reference-stats") { Description = "reference feature statistics JSON (default: the model's classifier/reference_statistics.json)" };

    public static ValidationOptions Create() => new();

    public void AddTo(Command command)
    {
        command.Options.Add(_strategy);
        command.Options.Add(_teacherSamples);
        command.Options.Add(_samples);
        command.Options.Add(_seed);
        command.Options.Add(_budget);
        command.Options.Add(_measurements);
        command.Options.Add(_draws);
        command.Options.Add(_rule);
        command.Options.Add(_batch);
        command.Options.Add(_extractor);
        command.Options.Add(_statistics);
    }

    /// <summary>True when the command line gives none of these options: the run measures as the service does.</summary>
    public bool AllDefault(ParseResult result) =>
        new Option[] { _strategy, _teacherSamples, _samples, _seed, _budget, _measurements, _draws, _rule, _extractor, _statistics }
            .All(option => result.GetResult(option) is null or { Implicit: true });

    /// <summary>True when the command line names a strategy.</summary>
    public bool StrategyGiven(ParseResult result) => result.GetValue(_strategy) is not null;

    public int Batch(ParseResult result)
    {
        var batch = result.GetValue(_batch);
        return batch is >= 1 and <= OnnxOptions.MaxBatchLimit
            ? batch
            : throw new HsoService.Optimization.HsoArgumentException($"--batch must be in 1..{OnnxOptions.MaxBatchLimit}, got {batch}", "batch");
    }

    public ValidationSettings Settings(ParseResult result, string cacheDirectory)
    {
        var named = result.GetValue(_strategy) is { } text ? ValidatedStrategies.Parse(text, "strategy") : (ValidatedStrategy?)null;
        var searchOnly = result.GetValue(_budget) is not null || result.GetValue(_measurements) is not null;
        if (searchOnly && named is { } other && other != ValidatedStrategy.Search)
        {
            throw new HsoService.Optimization.HsoArgumentException($"--budget and --measurements apply to --strategy search only, not {other.Name()}", "strategy");
        }

        var samples = result.GetValue(_samples);
        return new()
        {
            Strategy = named ?? (searchOnly ? ValidatedStrategy.Search : null),
            StrategySamples = samples ?? ValidationSettings.DefaultStrategySamples,
            TeacherSamples = result.GetValue(_teacherSamples) is { } teacher and < 2
                ? throw new HsoService.Optimization.HsoArgumentException($"--teacher-samples must be at least 2, got {teacher}", "teacher-samples")
                : result.GetValue(_teacherSamples) ?? TeacherRun.DefaultSamples,
            Samples = samples,
            Seed = result.GetValue(_seed),
            Budget = result.GetValue(_budget),
            Measurements = result.GetValue(_measurements) is { } m and < 1
            ? throw new HsoService.Optimization.HsoArgumentException($"--measurements must be at least 1, got {m}", "measurements")
            : result.GetValue(_measurements),
            ConfirmationDraws = result.GetValue(_draws),
            ConfirmationRule = HsoService.Optimization.Validated.ConfirmationRules.Parse(result.GetValue(_rule), "confirmation-rule"),
            FeatureExtractor = result.GetValue(_extractor),
            ReferenceStatistics = result.GetValue(_statistics),
            CacheDirectory = cacheDirectory,
        };
    }
}
