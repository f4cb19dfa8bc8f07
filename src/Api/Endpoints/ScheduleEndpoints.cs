using HsoService.Inference.Storage;
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
            .WithSummary("Request a schedule: 200 with it when cached, else 202 with the job computing it")
            .WithDescription("Deduplicated by key: a request for a key that a job is computing gets that job. force recomputes a cached key.")
            .ProducesProblems(400, 401, 404, 413, 415, 429, 500, 503)
            .RequireAuthorization();
        group.MapDelete("/jobs/{id}", CancelJob)
            .WithName("CancelJob")
            .WithSummary("Cancel a queued or running optimization job: it stops at the worker's next check and stores nothing")
            .WithDescription("200 with the cancelled job, also when it was already cancelled; 403 when another client requested it (or the service queued it for auto); 409 when it already finished or is storing its schedule.")
            .ProducesProblems(401, 403, 404, 409, 429, 500, 503)
            .RequireAuthorization();
        group.MapGet("/jobs/{id}", GetJob).WithName("GetJob").WithSummary("Status, progress and result location of an optimization job")
            .ProducesProblems(404, 429, 500, 503);
        group.MapGet("/{model}/{nfe:int}", GetSchedule).WithName("GetSchedule").WithSummary("The cached schedule for a model and NFE (solver and mode as query)")
            .WithDescription("width and height (pixels): the image size a flow model that shifts its sigmas by resolution (Flux) needs for the diffusers block's mu; without them such a model's schedule comes without the block and a warning says so. Checked as POST /generate checks them (the one not given is the model's default); other text-to-image models take them and do not need them; models without a size refuse them.")
            .Produces<Schedule>(StatusCodes.Status200OK, "application/json")
            .ProducesProblems(400, 404, 429, 500, 503);
        group.MapGet("/{model}", ListSchedules).WithName("ListSchedules").WithSummary("The cached schedules of a model, a page at a time in key order")
            .WithDescription("limit: schedules per page (1..1000, default 100); cursor: the next_cursor of the previous page. Stored records that cannot be read are skipped and named in unreadable_keys.")
            .ProducesProblems(400, 404, 429, 500, 503);
        return app;
    }

    public static async Task<Results<Ok<Schedule>, Accepted<JobAccepted>>> RequestSchedule(
        ScheduleRequest request, ScheduleService schedules, ModelCatalog models, HttpContext context, CancellationToken cancellationToken)
    {
        var command = ScheduleCommand.Parse(request, models) with { Client = Security.ApiKeyAuthentication.ClientOf(context) };
        var outcome = await schedules.RequestAsync(command, cancellationToken);
        if (outcome.Schedule is { } cached)
        {
            if (outcome.Stale)
            {
                context.Response.Headers[GenerateEndpoints.StaleHeader] = GenerateEndpoints.StaleValue;
            }

            return TypedResults.Ok(schedules.ForClient(command.Model, cached));
        }

        var job = outcome.Job!;
        var location = $"/schedules/jobs/{job.Id}";
        return TypedResults.Accepted(location, new JobAccepted(job.Id, job.Status, job.Key, location));
    }

    public static async Task<Results<Ok<OptimizationJob>, ProblemHttpResult>> GetJob(string id, ScheduleService schedules, CancellationToken cancellationToken)
    {
        if (id.Length > 64 || await schedules.JobAsync(id, cancellationToken) is not { } job)
        {
            return Problems.NotFound($"no optimization job '{EchoedText.Shorten(id)}'");
        }

        return TypedResults.Ok(job);
    }

    public static async Task<Results<Ok<OptimizationJob>, ProblemHttpResult>> CancelJob(
        string id, ScheduleService schedules, HttpContext context, CancellationToken cancellationToken)
    {
        if (id.Length > 64 || await schedules.JobAsync(id, cancellationToken) is not { } found)
        {
            return Problems.NotFound($"no optimization job '{EchoedText.Shorten(id)}'");
        }

        // Only the client that asked for a job may cancel it; a selection the service queued for auto is nobody's to cancel.
        if (found.Client != Security.ApiKeyAuthentication.ClientOf(context))
        {
            return Problems.Forbidden(found.Client is null
                ? $"job '{found.Id}' was queued by the service itself (the measured selection auto serves); it cannot be cancelled"
                : $"job '{found.Id}' was requested by another client; only the client that requested a job may cancel it");
        }

        if (await schedules.CancelJobAsync(id, cancellationToken) is not { } job)
        {
            return Problems.NotFound($"no optimization job '{EchoedText.Shorten(id)}'");
        }

        return job.Status switch
        {
            JobStatus.Cancelled => TypedResults.Ok(job),
            JobStatus.Storing => Problems.Conflict($"job '{job.Id}' has finished its search and is storing its schedule; only queued or running jobs can be cancelled"),
            _ => Problems.Conflict($"job '{job.Id}' already {job.Status.Name()}; only queued or running jobs can be cancelled"),
        };
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetSchedule(
        string model, int nfe, string? solver, string? mode, long? seed, string? strategy, int? width, int? height, ScheduleService schedules, ModelCatalog models, HttpContext context, CancellationToken cancellationToken)
    {
        models.Require(model);
        HsoService.Inference.Requests.RequestLimits.OptimizeNfe.Check(nfe, "nfe");
        var solverKind = solver is null ? models.DefaultSolver(model) : Solvers.Parse(solver);
        var modeKind = ScheduleModes.ParseRequestMode(mode ?? ScheduleModes.DefaultRequestMode);
        var key = ScheduleKey.For(
            model, solverKind, nfe, modeKind, (int)HsoService.Inference.Requests.RequestLimits.OptimizerSeed.Check(seed ?? ScheduleKey.DefaultSeed, "seed"), ScheduleCommand.ParseStrategy(strategy, modeKind));
        var entry = await schedules.GetEntryAsync(key, cancellationToken);
        if (entry.Schedule is { } schedule)
        {
            if (entry.Stale)
            {
                context.Response.Headers[GenerateEndpoints.StaleHeader] = GenerateEndpoints.StaleValue;
            }

            if (width is not null || height is not null)
            {
                // A flow model that shifts by resolution needs the image size for its diffusers block's mu. The size is
                // read by the model's own rules, as /generate reads it (the one not given is the model's default).
                var pipeline = models.Pipeline(model);
                var field = width is null ? "height" : "width";
                if (!pipeline.Defaults.Fields.Contains(field))
                {
                    throw new HsoService.Optimization.HsoArgumentException($"{field} does not apply to {model}, {pipeline.Defaults.Description}: its schedules take no image size", field);
                }

                var sized = pipeline.ParseConditioning(new HsoService.Inference.Pipelines.ConditioningFields(Prompt: "", Width: width, Height: height), model);
                return TypedResults.File(schedules.ClientJson(model, schedule, pipeline.ScheduleOptions(sized).ImageSeqLen), "application/json");
            }

            // The schedule's JSON made once (documented as Schedule above): the hot read copies bytes.
            return TypedResults.File(schedules.ClientJson(model, schedule), "application/json");
        }

        if (entry.Unreadable is { } reason)
        {
            // The store's fault, not the request's: the record is treated as missing, and a request stores it again.
            return Problems.NotFound(
                $"the schedule store's record for {key} is unreadable ({reason}), so it is treated as missing; store it again with POST /schedules {{\"model\": \"{model}\", \"solver\": \"{solverKind.Name()}\", \"nfe\": {nfe}, \"mode\": \"{modeKind.Name()}\"{Seeded(seed)}{Named(strategy)}}}");
        }

        return Problems.NotFound(
            $"no schedule cached for {key}; request it with POST /schedules {{\"model\": \"{model}\", \"solver\": \"{solverKind.Name()}\", \"nfe\": {nfe}, \"mode\": \"{modeKind.Name()}\"{Seeded(seed)}{Named(strategy)}}}");
    }

    // The repair hint names the seed of a seeded key: without it, the POST would store the default-seed schedule.
    private static string Seeded(long? seed) => seed is null || seed == ScheduleKey.DefaultSeed ? "" : $", \"seed\": {seed}";

    private static string Named(string? strategy) => strategy is null ? "" : $", \"strategy\": \"{EchoedText.Shorten(strategy.Trim().ToLowerInvariant())}\"";

    public static async Task<Ok<CachedSchedules>> ListSchedules(
        string model, int? limit, string? cursor, ScheduleService schedules, ModelCatalog models, CancellationToken cancellationToken)
    {
        models.Require(model);
        var size = HsoService.Inference.Requests.RequestLimits.Page.Check(limit ?? 100, "limit");
        var after = cursor is null ? null : Cursor.Read(cursor);
        // One more than a page says whether there is a next one; the store reads only those.
        var listing = await schedules.ListAsync(model, after, size + 1, cancellationToken);
        var entries = listing.Entries.ToList();
        var page = entries.Take(size).ToList();
        var next = entries.Count > size ? Cursor.Write(page[^1].Key) : null;

        // The records skipped within this page's range of keys.
        var skipped = listing.Unreadable
            .Select(u => u.Key)
            .Where(k => next is null || string.CompareOrdinal(k, page[^1].Key) < 0)
            .ToList();
        return TypedResults.Ok(new CachedSchedules(model, [.. page.Select(e => new CachedSchedule(e.Key, schedules.ForClient(model, e.Schedule)))], next, skipped.Count == 0 ? null : skipped));
    }

    /// <summary>An opaque cursor: the last key of a page, base64url-encoded.</summary>
    private static class Cursor
    {
        public static string Write(string key) => System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(key));

        public static string Read(string cursor)
        {
            try
            {
                return System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(cursor));
            }
            catch (FormatException)
            {
                throw new HsoArgumentException("cursor is not a next_cursor this service gave", "cursor");
            }
        }
    }

}

/// <summary>One cached entry of a model.</summary>
/// <param name="Key">The cache key: model:solver:nfe:mode, with the seed when it is not 66.</param>
/// <param name="Schedule">The cached schedule.</param>
public sealed record CachedSchedule(string Key, Schedule Schedule);

/// <summary>A page of what is cached for a model.</summary>
/// <param name="Model">The model id.</param>
/// <param name="Schedules">The page's cached schedules, in key order.</param>
/// <param name="NextCursor">Pass as cursor to read the next page; absent on the last page.</param>
/// <param name="UnreadableKeys">
/// Keys in this page's range whose stored records could not be read (corrupt, or not the schedule the key names): the
/// store's fault, skipped, and stored again by a POST /schedules for the key; absent when there are none.
/// </param>
public sealed record CachedSchedules(string Model, IReadOnlyList<CachedSchedule> Schedules, string? NextCursor = null, IReadOnlyList<string>? UnreadableKeys = null);
