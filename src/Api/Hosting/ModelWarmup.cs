using System.Diagnostics;
using HsoService.Api.Configuration;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Families;
using HsoService.Optimization.Schedules;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Hosting;

/// <summary>
/// Loads every model's graphs at start-up, in the background, then warms each up with one run at the batch the
/// batcher forms at most (<see cref="HsoServiceOptions.WarmupImages"/>), so that started and ready mean the first
/// request is fast. <see cref="State"/> names the model still loading or warming up, for the health probes.
/// </summary>
public sealed class ModelWarmup(ModelCatalog models, IOptions<HsoServiceOptions> options, ILogger<ModelWarmup> logger) : BackgroundService
{
    private volatile bool _ready;
    private volatile string? _step;
    private volatile int _done;

    public bool Ready => _ready;

    public string? Error { get; private set; }

    /// <summary><c>loaded</c>; <c>loading {id}</c> or <c>warming up {id}</c> with the count of models ready; or why loading failed.</summary>
    public string State => _ready
        ? "loaded"
        : Error ?? (_step is { } step ? $"{step} ({_done} of {models.Ids.Count} models ready)" : "loading");

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => DedicatedThread.Run(() =>
    {
        try
        {
            foreach (var id in models.Ids)
            {
                _step = $"loading {id}";
                var watch = Stopwatch.StartNew();
                var pipeline = models.Pipeline(id);
                logger.LogInformation("Loaded model {Model} ({Class}) on {Provider} in {Seconds:F1} s", id, pipeline.ClassName, pipeline.Provider, watch.Elapsed.TotalSeconds);
                var images = WarmupImages(pipeline);
                if (images > 0)
                {
                    _step = $"warming up {id}";
                    watch.Restart();
                    pipeline.GenerateBatch([WarmupRequest(pipeline, images)], cancellationToken: stoppingToken);
                    logger.LogInformation("Warmed up model {Model}: {Images} images in {Seconds:F1} s", id, images, watch.Elapsed.TotalSeconds);
                }

                _done++;
            }

            _step = null;
            _ready = true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping while a model loads or warms up: nothing to report.
        }
        catch (Exception e)
        {
            Error = e.Message;
            logger.LogError(e, "Loading models failed");
        }
    }, stoppingToken);

    /// <summary>
    /// Images of the model's warm-up run: the setting, else the largest batch on CUDA and none on CPU; never more than
    /// a batch may hold (<c>Hso:Onnx:MaxBatch</c> images within the generation memory budget at the default size).
    /// </summary>
    internal int WarmupImages(DiffusionPipeline pipeline)
    {
        var settings = options.Value;
        var wanted = settings.WarmupImages ?? (pipeline.Provider == ExecutionProvider.Cuda ? pipeline.MaxBatch : 0);
        if (wanted == 0)
        {
            return 0;
        }

        var perImage = Math.Max(1, pipeline.WorkingBytes(WarmupRequest(pipeline, 1)));
        var fit = (int)Math.Clamp(((long)settings.GenerationMemoryBudgetMegabytes << 20) / perImage, 1, pipeline.MaxBatch);
        return Math.Min(wanted, fit);
    }

    /// <summary>A two-step DDIM run at the model's default size and guidance: the unet, text encoders and decoder each see their serving shapes once.</summary>
    internal static GenerationRequest WarmupRequest(DiffusionPipeline pipeline, int images)
    {
        var conditioning = pipeline.CalibrationConditioning(0);
        var schedule = ScheduleFamilies.Build(pipeline.Noise, "default", SolverKind.Ddim, 2, pipeline.ScheduleOptions(conditioning));
        return new GenerationRequest(SolverKind.Ddim, schedule.T, conditioning, images, pipeline.Defaults.GuidanceScale, Seed: 0);
    }
}
