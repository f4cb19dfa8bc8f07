using HsoService.Optimization.NoiseSchedules;
using HsoService.Api.Hosting;
using HsoService.Optimization.Schedules;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HsoService.Api.Endpoints;

/// <summary><c>GET /models</c>: what this instance serves.</summary>
public static class ModelEndpoints
{
    public static IEndpointRouteBuilder MapModelEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/models", ListModels).WithTags("Models").WithName("ListModels").WithSummary("Served models, pipeline kind, noise schedule and execution provider")
            .ProducesProblems(429, 500);
        return app;
    }

    public static Ok<IReadOnlyList<ModelInfo>> ListModels(ModelCatalog models)
    {
        IReadOnlyList<ModelInfo> list = [.. models.Ids.Select(id =>
        {
            var pipeline = models.Pipeline(id);
            var noise = pipeline.Noise;
            var config = noise.Config;
            var defaults = pipeline.Defaults;
            var solver = models.DefaultSolver(id).Name();
            var conditioning = pipeline.CalibrationConditioning(0);
            return new ModelInfo(
                id,
                pipeline.ClassName,
                defaults.Fields,
                new ModelDefaults(defaults.Width, defaults.Height, defaults.GuidanceScale, solver, models.DefaultNfe(id)),
                pipeline.LatentShape(conditioning),
                solver,
                NoiseScheduleInfo.Of(noise),
                pipeline.Provider.ToString().ToLowerInvariant(),
                pipeline.DiscreteTime);
        })];
        return TypedResults.Ok(list);
    }
}

/// <summary>A model's noise schedule, summarized.</summary>
/// <param name="Kind">variance_preserving (a DDPM's trained betas) or rectified_flow (x_s = (1 - s) x0 + s eps, FlowMatchEulerDiscreteScheduler).</param>
/// <param name="BetaSchedule">diffusers' beta_schedule: linear, scaled_linear or squaredcos_cap_v2 (variance_preserving only).</param>
/// <param name="BetaStart">diffusers' beta_start (variance_preserving only).</param>
/// <param name="BetaEnd">diffusers' beta_end (variance_preserving only).</param>
/// <param name="TrainSteps">diffusers' num_train_timesteps (N).</param>
/// <param name="PredictionType">What the network predicts: epsilon, v_prediction, sample or flow_prediction (a flow's velocity).</param>
/// <param name="Hash">Hash of the noise schedule; every schedule made for it carries the same noise_schedule_hash.</param>
/// <param name="Shift">The flow scheduler's static shift (rectified_flow without dynamic shifting).</param>
/// <param name="DynamicShifting">True when the flow scheduler shifts by the image's resolution (mu from its token count).</param>
/// <param name="BaseShift">Dynamic shifting: mu at base_image_seq_len tokens (diffusers' base_shift).</param>
/// <param name="MaxShift">Dynamic shifting: mu at max_image_seq_len tokens (diffusers' max_shift); mu is linear in the token count between.</param>
/// <param name="BaseImageSeqLen">Dynamic shifting: diffusers' base_image_seq_len.</param>
/// <param name="MaxImageSeqLen">Dynamic shifting: diffusers' max_image_seq_len.</param>
/// <param name="TimeShiftType">Dynamic shifting: how mu shifts a sigma, exponential or linear (diffusers' time_shift_type).</param>
public sealed record NoiseScheduleInfo(
    string Kind,
    string? BetaSchedule,
    double? BetaStart,
    double? BetaEnd,
    int TrainSteps,
    string PredictionType,
    string Hash,
    double? Shift,
    bool? DynamicShifting,
    double? BaseShift = null,
    double? MaxShift = null,
    int? BaseImageSeqLen = null,
    int? MaxImageSeqLen = null,
    string? TimeShiftType = null)
{
    public static NoiseScheduleInfo Of(NoiseSchedule noise)
    {
        ArgumentNullException.ThrowIfNull(noise);
        var config = noise.Config;
        return config.FlowMatch switch
        {
            { UseDynamicShifting: true } flow => new("rectified_flow", null, null, null, noise.TrainSteps, config.PredictionType, noise.Hash, null, true,
                flow.BaseShift, flow.MaxShift, flow.BaseImageSeqLen, flow.MaxImageSeqLen, flow.TimeShiftType.ToString().ToLowerInvariant()),
            { } flow => new("rectified_flow", null, null, null, noise.TrainSteps, config.PredictionType, noise.Hash, flow.Shift, false),
            null => new("variance_preserving", config.BetaScheduleName, config.BetaStart, config.BetaEnd, noise.TrainSteps, config.PredictionType, noise.Hash, null, null),
        };
    }
}

/// <summary>What a model assumes when a request leaves a field out.</summary>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="GuidanceScale">Classifier-free guidance scale (1: none).</param>
/// <param name="Solver">The solver.</param>
/// <param name="Nfe">Network evaluations of a request that names none: POST /v1/images/generations, which has no such field (Hso:Models:{id}:DefaultNfe).</param>
public sealed record ModelDefaults(int Width, int Height, double GuidanceScale, string Solver, int Nfe);

/// <summary>A served model.</summary>
/// <param name="Id">The model id used in every request.</param>
/// <param name="Pipeline">The model class: class_conditional_pixel, stable_diffusion, stable_diffusion_xl, stable_diffusion_3 or flux.</param>
/// <param name="Conditioning">The conditioning fields of POST /generate it takes (any other is refused by name).</param>
/// <param name="Defaults">Its default size, guidance scale and solver.</param>
/// <param name="LatentShape">One sample's latent layout [C, h, w] at the default size: what latents holds per image (a pixel model's image).</param>
/// <param name="DefaultSolver">The solver a request without one gets (the same as defaults.solver).</param>
/// <param name="NoiseSchedule">The model's noise schedule.</param>
/// <param name="ExecutionProvider">Where the model runs: cpu or cuda.</param>
/// <param name="DiscreteTimesteps">Whether the network takes integer timesteps (sampled times are rounded to trained steps).</param>
public sealed record ModelInfo(string Id, string Pipeline, IReadOnlyList<string> Conditioning, ModelDefaults Defaults, IReadOnlyList<int> LatentShape, string DefaultSolver, NoiseScheduleInfo NoiseSchedule, string ExecutionProvider, bool DiscreteTimesteps);
