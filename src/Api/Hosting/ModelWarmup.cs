namespace HsoService.Api.Hosting;

/// <summary>Loads every model's graphs at start-up, in the background, so that readiness means the first request is fast.</summary>
public sealed class ModelWarmup(ModelCatalog models, ILogger<ModelWarmup> logger) : BackgroundService
{
    private volatile bool _ready;

    public bool Ready => _ready;

    public string? Error { get; private set; }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => DedicatedThread.Run(() =>
    {
        try
        {
            foreach (var id in models.Ids)
            {
                var pipeline = models.Pipeline(id);
                logger.LogInformation("Loaded model {Model} ({Class}) on {Provider}", id, pipeline.ClassName, pipeline.Provider);
            }

            _ready = true;
        }
        catch (Exception e)
        {
            Error = e.Message;
            logger.LogError(e, "Loading models failed");
        }
    }, stoppingToken);
}
