using HsoService.Api.Configuration;
using HsoService.Inference.ModelClasses;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Requests;
using HsoService.Inference.Validation;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Hosting;

/// <summary>
/// The served models, from configuration only (<c>Hso:Models</c>, or every folder of the shipped <c>models/</c>):
/// model ids in requests are looked up here and never become paths. Noise schedules are read without loading the
/// ONNX graphs, so optimization never waits on a model load; pipelines load on first generation.
/// </summary>
public sealed class ModelCatalog : IDisposable
{
    private readonly ModelRegistry _registry;
    private readonly Dictionary<string, SolverKind> _defaultSolvers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _defaultNfes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _measurable = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NoiseSchedule> _noise = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IModelClass> _classes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModelValidation> _validations = new(StringComparer.Ordinal);
    private readonly HsoServiceOptions _settings;

    public ModelCatalog(IOptions<HsoServiceOptions> options, ILogger<ModelCatalog> logger)
    {
        var settings = options.Value;
        _settings = settings;
        Sessions = new OnnxSessionFactory(settings.Onnx, warning => logger.LogWarning("{Warning}", warning));
        _registry = new ModelRegistry(Sessions);
        if (settings.Models.Count == 0)
        {
            if (ModelRegistry.FindModelsDirectory() is { } directory)
            {
                _registry.Discover(directory);
            }
        }
        else
        {
            foreach (var (id, model) in settings.Models)
            {
                var setting = $"Hso:Models:{model.ConfiguredKey ?? id}";
                // A shipped model (a folder of models/) may be configured by its id alone, for example its DefaultSolver.
                var path = string.IsNullOrWhiteSpace(model.Path) && ModelRegistry.FindModelsDirectory() is { } shipped && Directory.Exists(Path.Combine(shipped, id))
                    ? Path.Combine(shipped, id)
                    : model.Path;
                if (string.IsNullOrWhiteSpace(path))
                {
                    throw new ModelLoadException($"{setting}:Path is empty; it must name a model folder ({id} is not a folder of the shipped models)");
                }

                _registry.Register(id, path);
                if (model.DefaultSolver is { } solver)
                {
                    try
                    {
                        _defaultSolvers[id] = Solvers.Parse(solver, $"{setting}:DefaultSolver");
                    }
                    catch (HsoService.Optimization.HsoArgumentException e)
                    {
                        throw new ModelLoadException($"{setting}:DefaultSolver is '{solver}'; allowed: {string.Join(", ", Solvers.AcceptedNames)}", e);
                    }
                }

                if (model.DefaultNfe is { } nfe)
                {
                    _defaultNfes[id] = nfe >= RequestLimits.OptimizeNfe.Min && nfe <= RequestLimits.OptimizeNfe.Max
                        ? nfe
                        : throw new ModelLoadException($"{setting}:DefaultNfe is {nfe}; allowed: {RequestLimits.OptimizeNfe} (where auto measures and keeps a schedule)");
                }
            }
        }

        foreach (var id in _registry.Ids)
        {
            ModelFolder folder;
            try
            {
                folder = ModelFolder.Open(_registry.PathOf(id));
                _classes[id] = ModelClassRegistry.Recognise(folder);
            }
            catch (ModelLoadException e) when (settings.Models.TryGetValue(id, out var entry))
            {
                // dotnet run starts the service in its project folder, so a path relative to the repository misses.
                var relative = Path.IsPathRooted(entry.Path) || entry.Path.Length == 0 ? "" : $" (a relative path is read from the service's working directory, {Directory.GetCurrentDirectory()}; give an absolute path)";
                throw new ModelLoadException($"Hso:Models:{entry.ConfiguredKey ?? id}:Path: {e.Message}{relative}", e);
            }

            _noise[id] = NoiseSchedule.FromConfig(folder.Scheduler);
            var configured = settings.Models.GetValueOrDefault(id);
            if (configured is not null)
            {
                CheckValidationFiles(configured.ConfiguredKey ?? id, configured, folder);
            }

            _measurable[id] = ModelValidation.Measurable(folder, configured?.FeatureExtractor, configured?.ReferenceStatistics);
        }
    }

    // The files a validated search opens, checked at start: a wrong path is otherwise found only when the first
    // validated job on the model fails, which on a worker may be long after the rollout.
    private static void CheckValidationFiles(string id, ModelOptions model, ModelFolder folder)
    {
        if (model.FeatureExtractor is { } extractor && !File.Exists(extractor))
        {
            throw new ModelLoadException($"Hso:Models:{id}:FeatureExtractor: file '{extractor}' does not exist");
        }

        if (model.ReferenceStatistics is { } statistics && !File.Exists(statistics))
        {
            throw new ModelLoadException($"Hso:Models:{id}:ReferenceStatistics: file '{statistics}' does not exist");
        }

        if (model.FeatureExtractor is not null && (model.ReferenceStatistics ?? folder.ReferenceStatisticsPath) is null)
        {
            throw new ModelLoadException(
                $"Hso:Models:{id}:FeatureExtractor is set, but the model has no reference statistics to compare its features with: " +
                $"write them with hso reference-stats and set Hso:Models:{id}:ReferenceStatistics");
        }
    }

    public OnnxSessionFactory Sessions { get; }

    public IReadOnlyList<string> Ids => _registry.Ids;

    public bool Contains(string? id) => id is not null && _noise.ContainsKey(id);

    /// <summary>The id when this instance serves it; otherwise <see cref="NotFoundException"/> on model, listing the served ones.</summary>
    public string Require(string? id) => Contains(id)
        ? id!
        : id is null
            ? throw new HsoService.Optimization.HsoArgumentException($"model is required; served models: {string.Join(", ", Ids)}", "model")
            : throw new NotFoundException($"model '{EchoedText.Shorten(id)}' is not served; served models: {string.Join(", ", Ids)}", "model");

    public NoiseSchedule Noise(string id) => _noise[id];

    /// <summary>The model's class, recognised at start-up without loading its graphs.</summary>
    public IModelClass ModelClass(string id) => _classes[id];

    /// <summary>The configured default solver (Hso:Models:{id}:DefaultSolver), else the model class's.</summary>
    public SolverKind DefaultSolver(string id) => _defaultSolvers.TryGetValue(id, out var solver) ? solver : _classes[id].DefaultSolver;

    /// <summary>NFE of a request that names none when Hso:Models:{id}:DefaultNfe is not set: mid-way in HSO's few-step range (4 to 10).</summary>
    public const int StandardNfe = 8;

    /// <summary>The configured default NFE (Hso:Models:{id}:DefaultNfe), else <see cref="StandardNfe"/>.</summary>
    public int DefaultNfe(string id) => _defaultNfes.GetValueOrDefault(id, StandardNfe);

    /// <summary>The model's pipeline, loaded on first use.</summary>
    public DiffusionPipeline Pipeline(string id) => _registry.Get(id);

    /// <summary>True when schedules can be measured on the model by FD (<see cref="ModelValidation.HasFeatureScore"/>).</summary>
    public bool HasFeatureScore(string id) => _measurable[id];

    /// <summary>
    /// Refuses, naming <paramref name="field"/>, a measured mode (selected, validated) for a model without a feature
    /// score: nothing could be measured, so it is refused before anything is queued rather than stored as a family.
    /// </summary>
    public void RequireMeasurable(string id, ScheduleMode mode, string field)
    {
        if (mode is ScheduleMode.Selected or ScheduleMode.Validated && !HasFeatureScore(id))
        {
            throw ModelValidation.NotMeasurable(id, mode, field);
        }
    }

    /// <summary>
    /// The model's validated-search state (calibration set, scorer, scores measured so far), made on first use and kept
    /// for the life of the service, so the reference is read or computed once per model.
    /// </summary>
    public ModelValidation Validation(string id)
    {
        lock (_validations)
        {
            if (!_validations.TryGetValue(id, out var validation))
            {
                var model = _settings.Models.GetValueOrDefault(id);
                var global = _settings.Validation;
                validation = new ModelValidation(Pipeline(id), Sessions, new ValidationSettings
                {
                    Samples = global.Samples,
                    Seed = global.Seed,
                    Budget = global.Budget,
                    Measurements = global.Measurements,
                    ReferenceSteps = global.ReferenceSteps,
                    ConfirmationDraws = global.ConfirmationDraws,
                    ConfirmationRule = ConfirmationRules.Parse(global.ConfirmationRule, "Hso:Validation:ConfirmationRule"),
                    StrategySamples = global.StrategySamples,
                    TeacherSamples = global.TeacherSamples,
                    FeatureExtractor = model?.FeatureExtractor,
                    FeatureOutput = model?.FeatureOutput ?? "features",
                    ReferenceStatistics = model?.ReferenceStatistics,
                    CacheDirectory = HsoService.Inference.Storage.DataDirectory.Calibration(_settings.DataDirectory),
                });
                _validations[id] = validation;
            }

            return validation;
        }
    }

    public void Dispose()
    {
        foreach (var validation in _validations.Values)
        {
            validation.Dispose();
        }

        _registry.Dispose();
    }
}
