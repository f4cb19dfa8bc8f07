using HsoService.Api.Hosting;
using HsoService.Api.Schedules;
using HsoService.Optimization;
using HsoService.Optimization.Schedules;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HsoService.Api.Endpoints;

/// <summary><c>/schedules</c>: request optimizations, watch jobs, read cached schedules.</summary>
public static class ScheduleEndpoints
{
    public static IEndpointRouteBuilder MapScheduleEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/schedules").WithTags("Schedules");
        group.MapPost("/", RequestSchedule)
            .WithName("RequestSchedule")
            .WithSummary("Request an HSO schedule: 200 with it when cached, else 202 with the job computing it")
            .AddEndpointFilter<Security.ApiKeyFilter>();
        group.MapDelete("/jobs/{id}", CancelJob)
            .WithName("CancelJob")
            .WithSummary("Cancel a queued or running optimization job: it stops at the worker's next check and stores nothing")
            .AddEndpointFilter<Security.ApiKeyFilter>();
        group.MapGet("/jobs/{id}", GetJob).WithName("GetJob").WithSummary("Status, progress and result location of an optimization job");
        group.MapGet("/{model}/{nfe:int}", GetSchedule).WithName("GetSchedule").WithSummary("The cached schedule for a model and NFE (solver and mode as query)");
        group.MapGet("/{model}", ListSchedules).WithName("ListSchedules").WithSummary("Every cached schedule of a model");
        return app;
    }

    public static async Task<Results<Ok<Schedule>, Accepted<JobAccepted>>> RequestSchedule(
        ScheduleRequest request, ScheduleService schedules, ModelCatalog models, CancellationToken cancellationToken)
    {
        schedules.RequireModel(request.Model);
        var nfe = request.Nfe ?? throw new HsoArgumentException("nfe is required (an integer in 2..50)", "nfe");
        ScheduleService.ValidateOptimizationNfe(nfe);
        var solver = request.Solver is null ? models.DefaultSolver(request.Model!) : Solvers.Parse(request.Solver);
        var mode = ScheduleModes.ParseRequestMode(request.Mode ?? ScheduleModes.DefaultRequestMode);
        var seed = request.Seed ?? ScheduleKey.DefaultSeed;
        if (seed < 0)
        {
            throw new HsoArgumentException($"seed must be a non-negative integer, got {seed}", "seed");
        }

        var outcome = await schedules.RequestAsync(request.Model!, solver, nfe, mode, seed, request.Force ?? false, cancellationToken);
        if (outcome.Schedule is { } cached)
        {
            return TypedResults.Ok(cached);
        }

        var job = outcome.Job!;
        var location = $"/schedules/jobs/{job.Id}";
        return TypedResults.Accepted(location, new JobAccepted(job.Id, job.Status, job.Key, location));
    }

    public static async Task<Results<Ok<OptimizationJob>, NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>>> GetJob(string id, ScheduleService schedules, CancellationToken cancellationToken)
    {
        if (id.Length > 64 || await schedules.JobAsync(id, cancellationToken) is not { } job)
        {
            return TypedResults.NotFound(Problems.NotFound($"no optimization job '{Truncate(id)}'"));
        }

        return TypedResults.Ok(job);
    }

    public static async Task<Results<Ok<OptimizationJob>, NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>, Conflict<Microsoft.AspNetCore.Mvc.ProblemDetails>>> CancelJob(
        string id, ScheduleService schedules, CancellationToken cancellationToken)
    {
        if (id.Length > 64 || await schedules.CancelJobAsync(id, cancellationToken) is not { } job)
        {
            return TypedResults.NotFound(Problems.NotFound($"no optimization job '{Truncate(id)}'"));
        }

        return job.Status switch
        {
            JobStatus.Cancelled => TypedResults.Ok(job),
            JobStatus.Storing => TypedResults.Conflict(Problems.Conflict($"job '{job.Id}' has finished its search and is storing its schedule; only queued or running jobs can be cancelled")),
            _ => TypedResults.Conflict(Problems.Conflict($"job '{job.Id}' already {job.Status}; only queued or running jobs can be cancelled")),
        };
    }

    public static async Task<Results<Ok<Schedule>, NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>>> GetSchedule(
        string model, int nfe, string? solver, string? mode, int? seed, ScheduleService schedules, ModelCatalog models, CancellationToken cancellationToken)
    {
        schedules.RequireModel(model);
        var solverKind = solver is null ? models.DefaultSolver(model) : Solvers.Parse(solver);
        var modeKind = ScheduleModes.ParseRequestMode(mode ?? ScheduleModes.DefaultRequestMode);
        var key = ScheduleKey.For(model, solverKind, nfe, modeKind, seed ?? ScheduleKey.DefaultSeed);
        if (await schedules.GetAsync(key, cancellationToken) is { } schedule)
        {
            return TypedResults.Ok(schedule);
        }

        return TypedResults.NotFound(Problems.NotFound(
            $"no schedule cached for {key}; request it with POST /schedules {{\"model\": \"{model}\", \"solver\": \"{solverKind.Name()}\", \"nfe\": {nfe}, \"mode\": \"{modeKind.Name()}\"}}"));
    }

    public static async Task<Ok<CachedSchedules>> ListSchedules(string model, ScheduleService schedules, CancellationToken cancellationToken)
    {
        schedules.RequireModel(model);
        var entries = await schedules.ListAsync(model, cancellationToken);
        return TypedResults.Ok(new CachedSchedules(model, [.. entries.Select(e => new CachedSchedule(e.Key, e.Schedule))]));
    }

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "...";
}

/// <summary>One cached entry of a model.</summary>
public sealed record CachedSchedule(string Key, Schedule Schedule);

/// <summary>What is cached for a model.</summary>
public sealed record CachedSchedules(string Model, IReadOnlyList<CachedSchedule> Schedules);
