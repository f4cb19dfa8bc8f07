using HsoService.Api.Hosting;
using HsoService.Inference.Models;
using HsoService.Optimization.Schedules;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HsoService.Api.Endpoints;

/// <summary><c>GET /models</c>: what this instance serves.</summary>
public static class ModelEndpoints
{
    public static IEndpointRouteBuilder MapModelEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/models", ListModels).WithTags("Models").WithName("ListModels").WithSummary("Served models, pipeline kind, noise schedule and execution provider");
        return app;
    }

    public static Ok<IReadOnlyList<ModelInfo>> ListModels(ModelCatalog models)
    {
        IReadOnlyList<ModelInfo> list = [.. models.Ids.Select(id =>
        {
            var pipeline = models.Pipeline(id);
            var noise = pipeline.Noise;
            var config = noise.Config;
            return new ModelInfo(
                id,
                pipeline.Kind,
                models.DefaultSolver(id).Name(),
                new NoiseScheduleInfo(config.BetaScheduleName, config.BetaStart, config.BetaEnd, noise.TrainSteps, config.PredictionType, noise.Hash),
                pipeline.Provider.ToString().ToLowerInvariant(),
                pipeline.DiscreteTime);
        })];
        return TypedResults.Ok(list);
    }
}

/// <summary>A model's noise schedule, summarized.</summary>
public sealed record NoiseScheduleInfo(string BetaSchedule, double BetaStart, double BetaEnd, int TrainSteps, string PredictionType, string Hash);

/// <summary>A served model.</summary>
public sealed record ModelInfo(string Id, PipelineKind Pipeline, string DefaultSolver, NoiseScheduleInfo NoiseSchedule, string ExecutionProvider, bool DiscreteTimesteps);
