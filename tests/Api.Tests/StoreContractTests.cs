using HsoService.Api.Schedules;
using HsoService.Api.Stores;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;
using StackExchange.Redis;

namespace HsoService.Api.Tests;

/// <summary>One contract for both store and queue implementations: what the service relies on, checked on each.</summary>
public abstract class StoreContractTests : IDisposable
{
    private static readonly Schedule Sample = HsoOptimizer.Optimize(NoiseSchedule.FromConfig(NoiseSchedulePresets.StableDiffusion), new HsoOptions { Nfe = 4 });

    protected abstract IScheduleStore Store { get; }

    protected abstract IJobQueue Queue { get; }

    public abstract void Dispose();

    private static OptimizationJob Job(string key) => TestJobs.Create(key);

    [Fact]
    public async Task Stores_and_reads_schedules_by_key_and_lists_them_per_model()
    {
        var key = new ScheduleKey("m", SolverKind.UniPc, 4, ScheduleMode.Robust);
        var other = ScheduleKey.For("m", SolverKind.UniPc, 4, ScheduleMode.Robust, 7);
        Assert.Null(await Store.GetAsync(key));
        await Store.SetAsync(key, Sample);
        await Store.SetAsync(other, Sample with { Seed = 7 });

        Assert.Equal(Sample.T, (await Store.GetAsync(key))!.T);
        Assert.Equal(7, (await Store.GetAsync(other))!.Seed);
        var listed = await Store.ListAsync("m");
        Assert.Equal([key.ToString(), other.ToString()], listed.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Empty(await Store.ListAsync("other-model"));
        Assert.True(await Store.PingAsync());
    }

    [Fact]
    public async Task One_active_job_per_key_and_a_new_one_after_it_finished()
    {
        var (first, created) = await Queue.EnqueueAsync(Job("m:unipc:4:robust"));
        var (second, createdAgain) = await Queue.EnqueueAsync(Job("m:unipc:4:robust"));
        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(1, await Queue.DepthAsync());

        var taken = await Queue.TakeAsync("c1", new CancellationTokenSource(5000).Token);
        Assert.Equal(first.Id, taken.Id);
        Assert.Equal(JobStatus.Running, taken.Status);
        Assert.Equal(1, taken.Attempts);
        await Queue.ReportProgressAsync(taken.Id, 0.5);
        Assert.Equal(0.5, (await Queue.GetAsync(taken.Id))!.Progress);
        await Queue.CompleteAsync(taken, "/where");

        var done = await Queue.GetAsync(first.Id);
        Assert.Equal(JobStatus.Succeeded, done!.Status);
        Assert.Equal("/where", done.Result);
        Assert.NotNull(done.FinishedAt);
        var (third, createdAfter) = await Queue.EnqueueAsync(Job("m:unipc:4:robust"));
        Assert.True(createdAfter);
        Assert.NotEqual(first.Id, third.Id);
    }

    [Fact]
    public async Task Failures_are_retried_until_the_attempt_limit()
    {
        var (job, _) = await Queue.EnqueueAsync(Job("m:ddim:5:paper"));
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var taken = await Queue.TakeAsync("c1", new CancellationTokenSource(5000).Token);
            Assert.Equal(job.Id, taken.Id);
            Assert.Equal(attempt, taken.Attempts);
            await Queue.FailAsync(taken, $"boom {attempt}");
        }

        var failed = await Queue.GetAsync(job.Id);
        Assert.Equal(JobStatus.Failed, failed!.Status);
        Assert.Equal("boom 3", failed.Error);
        Assert.Equal(0, await Queue.DepthAsync());
    }

    [Fact]
    public async Task A_released_job_goes_back_without_counting_an_attempt()
    {
        var (job, _) = await Queue.EnqueueAsync(Job("m:dpmpp2m:6:robust"));
        var taken = await Queue.TakeAsync("c1", new CancellationTokenSource(5000).Token);
        await Queue.ReleaseAsync(taken);
        Assert.Equal(JobStatus.Queued, (await Queue.GetAsync(job.Id))!.Status);
        var again = await Queue.TakeAsync("c2", new CancellationTokenSource(5000).Token);
        Assert.Equal(job.Id, again.Id);
        Assert.Equal(1, again.Attempts);
    }

    [Fact]
    public async Task Cancelled_jobs_stay_cancelled_are_never_taken_and_free_their_key()
    {
        var (queued, _) = await Queue.EnqueueAsync(Job("m:unipc:6:validated"));
        var (running, _) = await Queue.EnqueueAsync(Job("m:unipc:8:validated"));
        var taken = await Queue.TakeAsync("c1", new CancellationTokenSource(5000).Token);
        Assert.Equal(queued.Id, taken.Id);

        // Cancel the running one; progress arriving afterwards must not bring it back.
        Assert.Equal(JobStatus.Cancelled, (await Queue.CancelAsync(taken.Id))!.Status);
        await Queue.ReportProgressAsync(taken.Id, 0.4);
        Assert.Equal(JobStatus.Cancelled, (await Queue.GetAsync(taken.Id))!.Status);
        Assert.Equal(JobStatus.Cancelled, (await Queue.CancelAsync(taken.Id))!.Status);

        // A queued one that is cancelled is skipped by the next take.
        Assert.Equal(JobStatus.Cancelled, (await Queue.CancelAsync(running.Id))!.Status);
        using (var wait = new CancellationTokenSource(400))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Queue.TakeAsync("c1", wait.Token));
        }

        var (again, created) = await Queue.EnqueueAsync(Job("m:unipc:6:validated"));
        Assert.True(created);
        Assert.NotEqual(taken.Id, again.Id);
        Assert.Null(await Queue.CancelAsync("no-such-job"));

        await Queue.CompleteAsync(await Queue.TakeAsync("c1", new CancellationTokenSource(5000).Token), "/where");
        Assert.Equal(JobStatus.Succeeded, (await Queue.CancelAsync(again.Id))!.Status);
    }

    [Fact]
    public async Task Taking_from_an_empty_queue_waits_until_cancelled()
    {
        using var cancel = new CancellationTokenSource(300);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Queue.TakeAsync("c1", cancel.Token));
    }
}

public sealed class EmbeddedStoreContractTests : StoreContractTests
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("hso-store-");

    public EmbeddedStoreContractTests()
    {
        Store = new FileScheduleStore(_data.FullName);
        Queue = new InMemoryJobQueue(maxAttempts: 3);
    }

    protected override IScheduleStore Store { get; }

    protected override IJobQueue Queue { get; }

    public override void Dispose() => _data.Delete(recursive: true);
}

public sealed class RedisStoreContractTests : StoreContractTests
{
    private readonly RedisServer _server = RedisServer.Shared();
    private readonly ConnectionMultiplexer _connection;

    public RedisStoreContractTests()
    {
        _connection = ConnectionMultiplexer.Connect(_server.IsolatedConnectionString());
        Store = new RedisScheduleStore(_connection);
        Queue = new RedisJobQueue(_connection, maxAttempts: 3, claimIdle: TimeSpan.FromSeconds(30));
    }

    protected override IScheduleStore Store { get; }

    protected override IJobQueue Queue { get; }

    public override void Dispose()
    {
        _connection.Dispose();
        if (_server.Owned)
        {
            _server.Dispose();
        }
    }
}

public sealed class InMemoryJobQueueTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Finished_jobs_are_forgotten_after_a_day_and_active_ones_never()
    {
        var clock = new ManualClock();
        var queue = new InMemoryJobQueue(3, clock);
        OptimizationJob Job(string key) => TestJobs.Create(key);

        var (done, _) = await queue.EnqueueAsync(Job("a"));
        await queue.CompleteAsync(await queue.TakeAsync("c", CancellationToken.None), "/a");
        var (waiting, _) = await queue.EnqueueAsync(Job("b"));

        clock.Now += TimeSpan.FromHours(23);
        await queue.EnqueueAsync(Job("c"));
        Assert.NotNull(await queue.GetAsync(done.Id));

        clock.Now += TimeSpan.FromHours(2);
        await queue.EnqueueAsync(Job("d"));
        Assert.Null(await queue.GetAsync(done.Id));
        Assert.NotNull(await queue.GetAsync(waiting.Id));
        Assert.Equal(3, queue.Count);
    }
}
