using HsoService.Inference.Storage;
using System.Net;
using HsoService.Api.Schedules;
using HsoService.Api.Stores;
using HsoService.Api.Telemetry;
using StackExchange.Redis;

namespace HsoService.Api.Tests;

/// <summary>Several service instances on one real Redis share the work.</summary>
[Collection(nameof(TimingSensitive))]
public sealed class RedisClusterTests : IDisposable
{
    private readonly RedisServer _server = RedisServer.Shared();

    public void Dispose()
    {
        if (_server.Owned)
        {
            _server.Dispose();
        }
    }

    private static Dictionary<string, string?> Settings(int claimIdleSeconds = 30) => new()
    {
        ["Hso:Worker:Concurrency"] = "2",
        ["Hso:Worker:ClaimIdleSeconds"] = claimIdleSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Hso:RateLimit:PermitsPerWindow"] = "100000",
    };

    [Fact]
    public async Task Two_instances_finish_fifty_jobs_each_exactly_once()
    {
        var redis = _server.IsolatedConnectionString();
        using var a = new ServiceFactory(redis, settings: Settings());
        using var b = new ServiceFactory(redis, settings: Settings());
        var clientA = a.CreateClient();
        var clientB = b.CreateClient();

        // 50 distinct keys: NFE 2..26 in both modes, posted alternately to the two instances.
        var requests = Enumerable.Range(2, 25).SelectMany(nfe => new[] { (nfe, "paper"), (nfe, "robust") }).ToArray();
        var accepted = await Task.WhenAll(requests.Select((r, i) =>
            (i % 2 == 0 ? clientA : clientB).PostJsonAsync("/schedules", new { model = "digits16-ddpm", solver = "ddim", nfe = r.nfe, mode = r.Item2 })));
        Assert.All(accepted, response => Assert.Equal(HttpStatusCode.Accepted, response.StatusCode));

        var jobs = await Task.WhenAll(accepted.Select(response => clientA.WaitForJobAsync(response.Headers.Location!.ToString(), seconds: 120)));
        Assert.All(jobs, job => Assert.Equal("succeeded", job.GetProperty("status").GetString()));
        Assert.All(jobs, job => Assert.Equal(1, job.GetProperty("attempts").GetInt32()));
        Assert.Equal(50, jobs.Select(j => j.GetProperty("id").GetString()).Distinct().Count());

        // Each job searched once, somewhere; both instances took part.
        var searchesA = a.Service<HsoTelemetry>().Searches;
        var searchesB = b.Service<HsoTelemetry>().Searches;
        Assert.Equal(50, searchesA + searchesB);
        Assert.True(searchesA > 0 && searchesB > 0, $"searches: {searchesA} and {searchesB}");

        // Every schedule readable from either instance; nothing left queued or pending.
        foreach (var (nfe, mode) in requests)
        {
            Assert.Equal(HttpStatusCode.OK, (await clientB.GetAsync($"/schedules/digits16-ddpm/{nfe}?solver=ddim&mode={mode}")).StatusCode);
        }

        using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var pending = await connection.GetDatabase().StreamPendingAsync(RedisKeys.JobStream, RedisKeys.ConsumerGroup);
        Assert.Equal(0, pending.PendingMessageCount);
        Assert.Equal(0, await a.Service<IJobQueue>().DepthAsync());
        // Acknowledged entries are deleted: the stream is empty once every job has ended.
        Assert.Equal(0, await connection.GetDatabase().StreamLengthAsync(RedisKeys.JobStream));
    }

    [Fact]
    public async Task A_job_whose_worker_died_is_reclaimed_and_finished_by_another_instance()
    {
        var redis = _server.IsolatedConnectionString();
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis);

        // The instance that dies: it takes the job from the stream and stops before acknowledging it.
        var dying = new RedisJobQueue(connection, maxAttempts: 3, claimIdle: TimeSpan.FromSeconds(1));
        var job = TestJobs.Create(
            ScheduleKey.For("digits16-ddpm", Optimization.Schedules.SolverKind.UniPc, 6, Optimization.Schedules.ScheduleMode.Robust, 66).ToString(),
            model: "digits16-ddpm",
            nfe: 6);
        await dying.EnqueueAsync(job);
        var taken = await dying.TakeAsync("dead-instance", new CancellationTokenSource(5000).Token);
        Assert.Equal(JobStatus.Running, taken.Status);

        // A live instance reclaims it once it has been idle for ClaimIdleSeconds.
        using var live = new ServiceFactory(redis, settings: Settings(claimIdleSeconds: 1));
        var client = live.CreateClient();
        var finished = await client.WaitForJobAsync($"/schedules/jobs/{job.Id}", seconds: 30);
        Assert.Equal("succeeded", finished.GetProperty("status").GetString());
        Assert.Equal(2, finished.GetProperty("attempts").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/schedules/digits16-ddpm/6?solver=unipc&mode=robust")).StatusCode);
        Assert.Equal(1, live.Service<HsoTelemetry>().Searches);
    }

    [Fact]
    public async Task A_search_running_longer_than_the_claim_idle_time_is_not_taken_for_a_dead_one()
    {
        // ClaimIdleSeconds = 3 and a validated search of several times that (120 measurements of 16 samples at NFE 8) on
        // one of two instances, two workers each: the running worker must keep its claim alive, or an idle worker
        // reclaims the entry after 3 s and runs the same search again (and a third time, until the attempt limit fails
        // it). Three seconds, not one, so that a loaded test machine's pauses do not count as a dead worker.
        var redis = _server.IsolatedConnectionString();
        var settings = new Dictionary<string, string?>(Settings(claimIdleSeconds: 3))
        {
            ["Hso:Validation:Samples"] = "16",
            ["Hso:Validation:Measurements"] = "120",
            ["Hso:Validation:ConfirmationDraws"] = "0",
        };
        using var a = new ServiceFactory(redis, settings: settings);
        using var b = new ServiceFactory(redis, settings: settings);
        var clientA = a.CreateClient();
        b.CreateClient();

        var accepted = await clientA.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 8, solver = "unipc", mode = "validated", strategy = "search" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var job = await clientA.WaitForJobAsync(accepted.Headers.Location!.ToString(), seconds: 300);

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        var started = job.GetProperty("started_at").GetDateTimeOffset();
        var finished = job.GetProperty("finished_at").GetDateTimeOffset();
        Assert.True(finished - started > TimeSpan.FromSeconds(6), $"the search took {(finished - started).TotalSeconds:F1} s; it must outlast the claim idle time twice");
        Assert.Equal(1, a.Service<HsoTelemetry>().Searches + b.Service<HsoTelemetry>().Searches);
    }

    [Fact]
    public async Task A_job_for_a_model_the_worker_does_not_serve_fails_at_its_first_attempt_with_its_error()
    {
        var redis = _server.IsolatedConnectionString();
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var queue = new RedisJobQueue(connection, maxAttempts: 3, claimIdle: TimeSpan.FromSeconds(30));

        // No attempt could mend it, so it is not retried (the attempt limit itself is StoreContractTests').
        var (job, _) = await queue.EnqueueAsync(TestJobs.Create("ghost:unipc:5:robust", model: "ghost", nfe: 5));
        using var service = new ServiceFactory(redis, settings: Settings());
        var failed = await service.CreateClient().WaitForJobAsync($"/schedules/jobs/{job.Id}", seconds: 30);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal(1, failed.GetProperty("attempts").GetInt32());
        Assert.StartsWith("model 'ghost' is not served by the worker that took this job", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
