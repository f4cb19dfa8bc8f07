using HsoService.Inference.Evaluation;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Inference.Validation;

/// <summary>
/// Validated searches on one loaded model: builds the calibration sets and their scorers once (the search's draw and
/// each confirmation draw; feature extractor and reference statistics, or the fallback's reference runs read from or
/// written to the cache) and keeps them, with the scores already measured, for every later search on the model. Safe
/// to share between concurrent searches.
/// </summary>
public sealed class ModelValidation(DiffusionPipeline pipeline, OnnxSessionFactory sessions, ValidationSettings settings) : IDisposable
{
    private readonly Lock _gate = new();
    private CalibrationScorer? _scorer;
    private CalibrationScorer[] _confirmation = [];
    private FeatureEncoder? _encoder;

    public DiffusionPipeline Pipeline => pipeline;

    public ValidationSettings Settings => settings;

    /// <summary>True when building the scorers computed a fallback reference run instead of reading it from the cache.</summary>
    public bool ReferenceComputed { get; private set; }

    /// <summary>Times the scorer (and the reference it needs) was built: once per instance.</summary>
    public int ScorerBuilds { get; private set; }

    /// <summary>The search's scorer, built on first use (with the confirmation draws' scorers).</summary>
    public CalibrationScorer Scorer(CancellationToken cancellationToken = default) => Scorers(cancellationToken).Search;

    /// <summary>The scorers of the confirmation draws, in order (seeds Seed + K, Seed + 2K, ...).</summary>
    public IReadOnlyList<CalibrationScorer> ConfirmationScorers(CancellationToken cancellationToken = default) => Scorers(cancellationToken).Confirmation;

    private (CalibrationScorer Search, CalibrationScorer[] Confirmation) Scorers(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_scorer is null)
            {
                if (settings.ConfirmationDraws is < 0 or > MaxConfirmationDraws)
                {
                    throw new HsoArgumentException($"confirmation_draws must be in 0..{MaxConfirmationDraws}, got {settings.ConfirmationDraws}", "confirmation_draws");
                }

                var k = settings.SamplesFor(pipeline.Provider);
                var all = Build([.. Enumerable.Range(0, 1 + settings.ConfirmationDraws).Select(r => settings.Seed + ((long)r * k))], k, cancellationToken);
                (_scorer, _confirmation) = (all[0], all[1..]);
                ScorerBuilds++;
            }

            return (_scorer, _confirmation);
        }
    }

    /// <summary>Most confirmation draws accepted (each costs the finalists' measurements on K more samples).</summary>
    public const int MaxConfirmationDraws = 16;

    /// <summary>Runs the validated search for a solver and NFE; <paramref name="extra"/> are further candidates (cached schedules).</summary>
    public Schedule Optimize(SolverKind solver, int nfe, IReadOnlyList<NamedTimes>? extra = null, Action<double>? progress = null, CancellationToken cancellationToken = default)
    {
        Solvers.ValidateNfe(nfe, pipeline.Noise.TrainSteps);
        var scorer = Scorer(cancellationToken);
        var options = new ValidatedOptions
        {
            Solver = solver,
            Nfe = nfe,
            Budget = settings.BudgetFor(pipeline.Provider, nfe),
            Extra = extra ?? [],
            ConfirmationRule = settings.ConfirmationRule,
        };
        return ValidatedSearch.Optimize(pipeline.Noise, scorer, ConfirmationScorers(cancellationToken), options, progress, cancellationToken);
    }

    /// <summary>
    /// True when the model has a feature extractor with reference statistics, so schedules can be scored by FD. The
    /// selection behind <c>auto</c> needs it; the reference-RMSE fallback rewards blur and would first cost a
    /// reference run of every trained step, so a model without one is served its solver's default family.
    /// </summary>
    public bool HasFeatureScore =>
        (settings.FeatureExtractor ?? pipeline.Folder.ClassifierPath) is not null
        && (settings.ReferenceStatistics ?? pipeline.Folder.ReferenceStatisticsPath) is not null;

    /// <summary>Model evaluations a selection may spend: <see cref="ScheduleSelection.BudgetShare"/> of a default validated search.</summary>
    public long SelectionBudget(int nfe) => (long)(ScheduleSelection.BudgetShare * settings.BudgetFor(pipeline.Provider, nfe));

    /// <summary>
    /// The measured choice for a solver and NFE (<see cref="ScheduleSelection"/>) on the validated search's draw, or the
    /// default family, saying why, when the model has no feature score.
    /// </summary>
    public Schedule Select(SolverKind solver, int nfe, IReadOnlyList<NamedTimes>? extra = null, Action<double>? progress = null, CancellationToken cancellationToken = default)
    {
        Solvers.ValidateNfe(nfe, pipeline.Noise.TrainSteps);
        if (!HasFeatureScore)
        {
            return ScheduleSelection.Fallback(pipeline.Noise, solver, nfe, NoScoreReason) with { Mode = ScheduleMode.Selected };
        }

        return ScheduleSelection.Select(pipeline.Noise, Scorer(cancellationToken), solver, nfe, SelectionBudget(nfe), extra, progress: progress, cancellationToken: cancellationToken);
    }

    /// <summary>Why a model without a feature score is served the default family.</summary>
    public const string NoScoreReason =
        "nothing measured: the model has no feature extractor with reference statistics (classifier/model.onnx and classifier/reference_statistics.json, or Hso:Models:{id}:FeatureExtractor and ReferenceStatistics), so the solver's default family is served";

    private CalibrationScorer[] Build(long[] seeds, int k, CancellationToken cancellationToken)
    {
        var sets = seeds.Select(seed => CalibrationSet.For(pipeline, k, seed)).ToArray();
        var extractor = settings.FeatureExtractor ?? pipeline.Folder.ClassifierPath;
        var statistics = settings.ReferenceStatistics ?? pipeline.Folder.ReferenceStatisticsPath;
        if (settings.FeatureExtractor is not null && !File.Exists(settings.FeatureExtractor))
        {
            throw new HsoArgumentException($"feature extractor '{settings.FeatureExtractor}' does not exist", "feature_extractor");
        }

        if (settings.ReferenceStatistics is not null && !File.Exists(settings.ReferenceStatistics))
        {
            throw new HsoArgumentException($"reference statistics '{settings.ReferenceStatistics}' do not exist", "reference_statistics");
        }

        if (settings.FeatureExtractor is not null && statistics is null)
        {
            throw new HsoArgumentException(
                $"feature extractor '{settings.FeatureExtractor}' has no reference statistics to compare with: write them with hso reference-stats and set ReferenceStatistics", "reference_statistics");
        }

        if (extractor is not null && statistics is not null)
        {
            // The folder's classifier is already open in the pixel pipeline: read its features from there.
            _encoder = settings.FeatureExtractor is null && pipeline is PixelDiffusionPipeline { Classifier: { } classifier }
                ? new FeatureEncoder(classifier.Graph, settings.FeatureOutput, ownsGraph: false)
                : new FeatureEncoder(sessions.Open(extractor, Path.GetRelativePath(pipeline.Folder.Root, extractor)), settings.FeatureOutput);
            var reference = ReferenceStatistics.Load(statistics, _encoder.FeatureCount);
            return [.. sets.Select(set => new FeatureDistanceScorer(set, _encoder, reference, Path.GetFileName(statistics)))];
        }

        var steps = Math.Min(settings.ReferenceSteps, pipeline.Noise.TrainSteps);
        return [.. sets.Select(set => new ReferenceDistanceScorer(set, ReferenceRun(set, steps, cancellationToken), steps))];
    }

    // DDIM through the trained steps from the set's noise: the fallback's target, cached on disk per set.
    private float[] ReferenceRun(CalibrationSet set, int steps, CancellationToken cancellationToken)
    {
        var size = set.Count * set.SampleShape.Aggregate(1, (a, b) => a * b);
        var key = ReferenceTrajectoryCache.Key(pipeline.Folder.UnetPath, $"{pipeline.Noise.Hash}|{set.Conditioning}|{set.Seed}|{set.Count}|{steps}|{string.Join('x', set.SampleShape)}");
        var run = ReferenceTrajectoryCache.GetOrCompute(
            key,
            size,
            () => set.Generate(SolverKind.Ddim, ReferenceTrajectoryCache.ReferenceTimes(pipeline.Noise.TrainSteps, steps), null, cancellationToken),
            settings.CacheDirectory,
            out var computed);
        ReferenceComputed |= computed;
        return run;
    }

    public void Dispose() => _encoder?.Dispose();
}
