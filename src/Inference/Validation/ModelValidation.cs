using HsoService.Inference.Models;
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
    private CalibrationScorer[]? _strategyScorers;
    private TeacherRun? _teacher;
    private TeacherDistanceScorer? _teacherScorer;
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

    /// <summary>
    /// Runs the validated search for a solver and NFE with a strategy (null: <see cref="ValidationSettings.Strategy"/>,
    /// else <see cref="ValidatedStrategies.Default"/> where the model has a feature score and the search where it has
    /// not); <paramref name="extra"/> are further candidates of the search (cached schedules).
    /// </summary>
    public Schedule Optimize(
        SolverKind solver,
        int nfe,
        ValidatedStrategy? strategy = null,
        IReadOnlyList<NamedTimes>? extra = null,
        Action<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        Solvers.ValidateNfe(nfe, pipeline.Noise.TrainSteps);
        var chosen = strategy ?? settings.Strategy ?? (HasFeatureScore ? ValidatedStrategies.Default : ValidatedStrategy.Search);
        if (chosen != ValidatedStrategy.Search)
        {
            return Confirmed(solver, nfe, chosen, progress, cancellationToken);
        }

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

    /// <summary>Share of the refine strategy's measurements (after the families) its upper level (EDM's rho, eps, T_max) may spend.</summary>
    public const double RefineUpperShare = 0.5;

    /// <summary>
    /// How the cheap strategies confirm: a proposal is served only where it beats the best family on every draw. With
    /// three or four draws of 256 samples, winning most of them is weak evidence; in the comparison run the lowest-mean
    /// rule served two proposals that held-out seeds found worse than a family (docs/evaluation/strategies).
    /// <see cref="ValidationSettings.ConfirmationRule"/> stays the FD search's.
    /// </summary>
    public const ConfirmationRule StrategyRule = ConfirmationRule.EveryDraw;

    /// <summary>Confirmation draws of the model-aware strategies: this many draws of <see cref="ValidationSettings.StrategySamples"/> samples.</summary>
    public const int StrategyDraws = 4;

    // A model-aware strategy: a proposal from the teacher run, then confirmation against the families by FD.
    private Schedule Confirmed(SolverKind solver, int nfe, ValidatedStrategy strategy, Action<double>? progress, CancellationToken cancellationToken)
    {
        var name = strategy.Name();
        if (!HasFeatureScore)
        {
            throw new HsoArgumentException($"strategy {name} confirms by FD and needs a feature extractor with reference statistics, which this model lacks: use strategy search", "strategy");
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        // The draws first: building them checks the settings before the teacher run spends anything.
        var draws = StrategyScorers(cancellationToken);
        // Progress in proportion to each stage's model evaluations: teacher run, the strategy's search, confirmation.
        var perSchedule = draws[0].Cost(nfe);
        double teacherShare = strategy == ValidatedStrategy.Refine || _teacher is not null ? 0 : (double)settings.TeacherSamples * TeacherRun.FineGrid(pipeline.Noise).Length;
        double searchShare = strategy switch
        {
            ValidatedStrategy.Teacher => (double)FamilyRefinement.DefaultMeasurements * settings.TeacherSamples * nfe,
            ValidatedStrategy.Refine => (double)FamilyRefinement.DefaultMeasurements * perSchedule,
            _ => 0,
        };
        var total = teacherShare + searchShare + (5.0 * StrategyDraws * perSchedule);
        void Stage(double done, double share, double fraction) => progress?.Invoke(Math.Clamp((done + (share * fraction)) / total, 0, 1));

        // refine learns from FD alone and needs no teacher.
        var (teacher, reused) = strategy == ValidatedStrategy.Refine ? (null, false) : Teacher(f => Stage(0, teacherShare, f), cancellationToken);
        Stage(teacherShare, 0, 0);
        NamedTimes proposed;
        long searched = 0;
        var (seed, samples, measured) = (TeacherSeed, settings.TeacherSamples, 0);
        if (strategy == ValidatedStrategy.Trajectory)
        {
            proposed = new NamedTimes("trajectory (dynamic program)", TrajectoryProgram.Times(pipeline.Noise, teacher!, solver, nfe));
        }
        else if (strategy == ValidatedStrategy.Teacher)
        {
            var distance = TeacherScorer(teacher!);
            proposed = FamilyRefinement.Refine(pipeline.Noise, distance, "teacher-matched", solver, nfe, progress: f => Stage(teacherShare, searchShare, f), cancellationToken: cancellationToken);
            // Charged in full even where scores were remembered from an earlier search: the cost on a fresh model.
            searched = (long)FamilyRefinement.DefaultMeasurements * distance.Cost(nfe);
            measured = FamilyRefinement.DefaultMeasurements;
        }
        else
        {
            // The FD search's two levels on the first draw, a twentieth of its measurements; confirmed on the other draws.
            var options = new ValidatedOptions
            {
                Solver = solver,
                Nfe = nfe,
                Budget = (long)FamilyRefinement.DefaultMeasurements * perSchedule,
                Candidates = ProposalConfirmation.FamilyNames(pipeline.Noise, solver),
                UpperShare = RefineUpperShare,
            };
            var found = ValidatedSearch.Optimize(pipeline.Noise, draws[0], options, f => Stage(teacherShare, searchShare, f), cancellationToken);
            proposed = new NamedTimes(found.Validation!.ChosenBy, found.T);
            searched = options.Budget.Value;
            (seed, samples, measured) = (draws[0].Seed, draws[0].Samples, found.Validation.SchedulesMeasured);
            draws = [.. draws.Skip(1)];
        }

        var proposal = new Proposal(strategy, [proposed], teacher?.ModelEvaluations ?? 0, reused, searched, stopwatch.Elapsed.TotalSeconds, seed, samples, measured);
        return ProposalConfirmation.Choose(pipeline.Noise, proposal, draws, solver, nfe, StrategyRule, f => Stage(teacherShare + searchShare, total - teacherShare - searchShare, f), cancellationToken);
    }

    // The teacher run, made once per model and kept; true when an earlier search made it.
    private (TeacherRun? Run, bool Reused) Teacher(Action<double> progress, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_teacher is not null)
            {
                return (_teacher, true);
            }

            var set = new CalibrationSet(pipeline, settings.TeacherSamples, TeacherSeed);
            _teacher = TeacherRun.Record(set, pipeline.Noise, progress: progress, cancellationToken: cancellationToken);
            return (_teacher, false);
        }
    }

    private TeacherDistanceScorer TeacherScorer(TeacherRun teacher)
    {
        lock (_gate)
        {
            return _teacherScorer ??= new TeacherDistanceScorer(new CalibrationSet(pipeline, teacher.Samples, TeacherSeed), teacher, Encoder());
        }
    }

    /// <summary>Seed of the teacher run's sample 0: after the strategies' confirmation draws, so no confirmation sample was fitted.</summary>
    public long TeacherSeed => settings.Seed + ((long)StrategyDraws * settings.StrategySamples);

    // The strategies' draws: the search's draw and its confirmation draws where they are the same seeds and K (CPU
    // defaults), so scores measured by either are shared; otherwise their own.
    private IReadOnlyList<CalibrationScorer> StrategyScorers(CancellationToken cancellationToken)
    {
        var (search, confirmation) = Scorers(cancellationToken);
        lock (_gate)
        {
            if (search.Samples == settings.StrategySamples && confirmation.Length >= StrategyDraws - 1)
            {
                return [search, .. confirmation[..(StrategyDraws - 1)]];
            }

            return _strategyScorers ??= Build([.. Enumerable.Range(0, StrategyDraws).Select(r => settings.Seed + ((long)r * settings.StrategySamples))], settings.StrategySamples, cancellationToken);
        }
    }

    /// <summary>
    /// True when the model has a feature extractor with reference statistics, so schedules can be scored by FD. The
    /// selection behind <c>auto</c> needs it; the reference-RMSE fallback rewards blur and would first cost a
    /// reference run of every trained step, so a model without one is served its solver's default family.
    /// </summary>
    public bool HasFeatureScore => Measurable(pipeline.Folder, settings.FeatureExtractor, settings.ReferenceStatistics);

    /// <summary><see cref="HasFeatureScore"/> from a model's folder and its configured files, without loading its graphs.</summary>
    public static bool Measurable(ModelFolder folder, string? featureExtractor, string? referenceStatistics)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return (featureExtractor ?? folder.ClassifierPath) is not null && (referenceStatistics ?? folder.ReferenceStatisticsPath) is not null;
    }

    /// <summary>Model evaluations a selection may spend: <see cref="ScheduleSelection.BudgetShare"/> of a default validated search.</summary>
    public long SelectionBudget(int nfe) => (long)(ScheduleSelection.BudgetShare * settings.BudgetFor(pipeline.Provider, nfe));

    /// <summary>
    /// The measured choice for a solver and NFE (<see cref="ScheduleSelection"/>) on the validated search's draw and its
    /// confirmation draws, or the default family, saying why, when the model has no feature score.
    /// </summary>
    public Schedule Select(SolverKind solver, int nfe, IReadOnlyList<NamedTimes>? extra = null, Action<double>? progress = null, CancellationToken cancellationToken = default)
    {
        Solvers.ValidateNfe(nfe, pipeline.Noise.TrainSteps);
        if (!HasFeatureScore)
        {
            return ScheduleSelection.Fallback(pipeline.Noise, solver, nfe, NoScoreReason) with { Mode = ScheduleMode.Selected };
        }

        return ScheduleSelection.Select(pipeline.Noise, Scorer(cancellationToken), solver, nfe, SelectionBudget(nfe), extra, progress: progress, confirmation: ConfirmationScorers(cancellationToken), cancellationToken: cancellationToken);
    }

    /// <summary>
    /// The refusal of a measured mode (selected, validated) for a model without a feature score, naming the field that
    /// asked for it: nothing could be measured, so it is refused before anything runs rather than stored as a family.
    /// </summary>
    public static HsoArgumentException NotMeasurable(string model, ScheduleMode mode, string field) => new(
        $"{field} {mode.Name()} measures schedules on the model by FD, and {model} has no feature extractor with reference statistics (classifier/model.onnx and classifier/reference_statistics.json in its folder, or Hso:Models:{model}:FeatureExtractor and ReferenceStatistics); ask for robust or paper (HSO on the noise schedule alone) or a family, and auto serves the solver's default family",
        field);

    /// <summary>Why a model without a feature score is served the default family.</summary>
    public const string NoScoreReason =
        "nothing measured: the model has no feature extractor with reference statistics (classifier/model.onnx and classifier/reference_statistics.json, or Hso:Models:{id}:FeatureExtractor and ReferenceStatistics), so the solver's default family is served";

    private CalibrationScorer[] Build(long[] seeds, int k, CancellationToken cancellationToken)
    {
        var sets = seeds.Select(seed => new CalibrationSet(pipeline, k, seed)).ToArray();
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
            var encoder = Encoder();
            var reference = ReferenceStatistics.Load(statistics, encoder.FeatureCount);
            return [.. sets.Select(set => new FeatureDistanceScorer(set, encoder, reference, Path.GetFileName(statistics)))];
        }

        var steps = Math.Min(settings.ReferenceSteps, pipeline.Noise.TrainSteps);
        return [.. sets.Select(set => new ReferenceDistanceScorer(set, ReferenceRun(set, steps, cancellationToken), steps))];
    }

    // DDIM through the trained steps from the set's noise: the fallback's target, cached on disk per set.
    private float[] ReferenceRun(CalibrationSet set, int steps, CancellationToken cancellationToken)
    {
        var size = set.Count * set.SampleShape.Aggregate(1, (a, b) => a * b);
        var key = ReferenceTrajectoryCache.Key(pipeline.UnetPath, $"{pipeline.Noise.Hash}|{set.Conditioning}|{set.Seed}|{set.Count}|{steps}|{string.Join('x', set.SampleShape)}");
        var run = ReferenceTrajectoryCache.GetOrCompute(
            key,
            size,
            () => set.Generate(SolverKind.Ddim, ReferenceTrajectoryCache.ReferenceTimes(pipeline.Noise.TrainSteps, steps), null, cancellationToken),
            settings.CacheDirectory,
            out var computed);
        ReferenceComputed |= computed;
        return run;
    }

    // The feature extractor, opened once. The folder's classifier is already open in the pixel pipeline: read its features from there.
    private FeatureEncoder Encoder()
    {
        var extractor = settings.FeatureExtractor ?? pipeline.Folder.ClassifierPath
            ?? throw new InvalidOperationException("the model has no feature extractor");
        return _encoder ??= settings.FeatureExtractor is null && pipeline.Classifier is { } classifier
            ? new FeatureEncoder(classifier.Graph, settings.FeatureOutput, ownsGraph: false)
            : new FeatureEncoder(sessions.Open(extractor, Path.GetRelativePath(pipeline.Folder.Root, extractor)), settings.FeatureOutput);
    }

    public void Dispose() => _encoder?.Dispose();
}
