using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace HsoService.Api.Tests;

/// <summary>
/// Faults as an operator meets them, against the service's own process (the Release build in CI) on loopback: a
/// SIGTERM mid-job in embedded mode, Redis stopped for 20 s under a steady stream of requests, and a flood of
/// distinct jobs. Figures are written to the test output; the assertions are the issue's targets, with the time
/// bounds loose enough for a shared machine.
/// </summary>
public sealed class ProcessFaultTests(ITestOutputHelper output)
{
    private static readonly string[] Solvers = ["unipc", "dpmpp2m", "ddim", "euler"];

    [Fact]
    public async Task Jobs_accepted_in_embedded_mode_survive_a_sigterm_mid_job_and_run_after_a_restart()
    {
        var data = Directory.CreateTempSubdirectory("hso-sigterm-").FullName;
        var locations = new List<string>();
        string[] before;
        using (var first = await ServiceProcess.StartAsync(data, new Dictionary<string, string>()))
        {
            foreach (var solver in Solvers)
            {
                for (var nfe = 4; nfe <= 8; nfe++)
                {
                    var accepted = await first.Client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe, solver, mode = "robust" });
                    Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
                    locations.Add(accepted.Headers.Location!.ToString());
                }
            }

            await Eventually.Until(async () => await StatusAsync(first.Client, locations[0]) != "queued", "the first job never started", 120);
            before = await Task.WhenAll(locations.Select(l => StatusAsync(first.Client, l)));
            Assert.Equal(0, await first.TerminateAsync());
        }

        // The SIGTERM came mid-run: some jobs had not ended, and a 202 promised each of them.
        Assert.Contains(before, s => s is "queued" or "running" or "storing");
        output.WriteLine($"at SIGTERM: {string.Join(", ", before.GroupBy(s => s).Select(g => $"{g.Count()} {g.Key}"))}");

        using var second = await ServiceProcess.StartAsync(data, new Dictionary<string, string>());
        var after = new List<string>();
        foreach (var location in locations)
        {
            after.Add((await second.Client.WaitForJobAsync(location, seconds: 300)).GetProperty("status").GetString()!);
        }

        output.WriteLine($"after restart: {after.Count(s => s == "succeeded")} of {locations.Count} succeeded");
        Assert.All(after, status => Assert.Equal("succeeded", status));
    }

    [Fact]
    public async Task Redis_stopped_for_twenty_seconds_under_a_steady_stream_keeps_generation_serving_and_loses_no_accepted_job()
    {
        using var redis = RedisServer.StartPrivate(appendOnly: true);
        using var service = await ServiceProcess.StartAsync(
            Directory.CreateTempSubdirectory("hso-outage-").FullName,
            new Dictionary<string, string> { ["ConnectionStrings:Redis"] = redis.ConnectionString });
        var client = service.Client;
        var samples = new ConcurrentQueue<Sample>();
        var clock = Stopwatch.StartNew();
        using var streaming = new CancellationTokenSource();

        async Task Stream(string kind, Func<int, (string Path, object Body)> request, int pauseMs)
        {
            for (var i = 0; !streaming.IsCancellationRequested; i++)
            {
                var (path, body) = request(i);
                var started = clock.Elapsed.TotalSeconds;
                var watch = Stopwatch.StartNew();
                using var response = await client.PostJsonAsync(path, body);
                samples.Enqueue(new Sample(kind, started, watch.Elapsed.TotalMilliseconds, (int)response.StatusCode, response.Headers.RetryAfter is not null, response.Headers.Location?.ToString()));
                await Task.Delay(pauseMs);
            }
        }

        var streams = new[]
        {
            Stream("auto", i => ("/generate", new { model = "digits16-ddpm", nfe = 4, solver = "unipc", class_label = i % 10, seed = i }), 20),
            Stream("family", i => ("/generate", new { model = "digits16-ddpm", nfe = 5, solver = "dpmpp2m", schedule = "edm", class_label = i % 10, seed = i }), 20),
            Stream("job", i => ("/schedules", new { model = "digits16-ddpm", nfe = 4, solver = "unipc", mode = "robust", seed = 1000 + i }), 250),
        };

        await Task.Delay(3000);
        var stoppedAt = clock.Elapsed.TotalSeconds;
        redis.Stop();
        await Task.Delay(20000);
        var restartedAt = clock.Elapsed.TotalSeconds;
        redis.Start();
        await Eventually.Until(() => samples.Any(s => s.Kind == "job" && s.Status == 202 && s.Started > restartedAt), "POST /schedules did not recover", 30);
        await Task.Delay(1000);
        await streaming.CancelAsync();
        await Task.WhenAll(streams);

        var all = samples.ToArray();
        var generations = all.Where(s => s.Kind != "job").ToArray();
        var duringOutage = all.Where(s => s.Started > stoppedAt && s.Started + (s.Milliseconds / 1000) < restartedAt).ToArray();
        var refused = duringOutage.Where(s => s.Kind == "job").ToArray();
        var recovered = all.Where(s => s.Kind == "job" && s.Status == 202 && s.Started > restartedAt).Min(s => s.Started + (s.Milliseconds / 1000)) - restartedAt;
        var milliseconds = refused.Select(s => s.Milliseconds).Order().ToArray();
        output.WriteLine($"generation: {generations.Count(s => s.Status == 200)} of {generations.Length} answered 200 ({duringOutage.Count(s => s.Kind != "job")} during the outage)");
        output.WriteLine($"POST /schedules during the outage: {refused.Count(s => s.Status == 503 && s.RetryAfter)} of {refused.Length} 503 with Retry-After; median {milliseconds[milliseconds.Length / 2]:F1} ms, max {milliseconds[^1]:F1} ms");
        output.WriteLine($"first 202 after Redis restarted: {recovered:F2} s");

        Assert.All(generations, s => Assert.Equal(200, s.Status));
        Assert.True(duringOutage.Count(s => s.Kind == "auto") >= 20 && duringOutage.Count(s => s.Kind == "family") >= 20, "too few generations during the outage to show anything");
        Assert.True(refused.Length >= 20, "too few job requests during the outage");
        Assert.All(refused, s => Assert.True(s.Status == 503 && s.RetryAfter, $"{s.Status} during the outage"));
        Assert.True(milliseconds[milliseconds.Length / 2] < 100, $"median refusal {milliseconds[milliseconds.Length / 2]} ms");
        Assert.True(recovered < 10, $"recovery took {recovered} s");

        // Redis kept its data (append-only file): every job it accepted, before or after the outage, ends succeeded.
        var jobs = all.Where(s => s.Location is not null).Select(s => s.Location!).Distinct().ToArray();
        Assert.True(jobs.Length >= 5, $"only {jobs.Length} jobs accepted");
        foreach (var location in jobs)
        {
            Assert.Equal("succeeded", (await client.WaitForJobAsync(location, seconds: 300)).GetProperty("status").GetString());
        }

        output.WriteLine($"{jobs.Length} accepted jobs, all succeeded");
    }

    [Fact]
    public async Task A_flood_of_distinct_jobs_holds_the_queue_at_its_bound_and_memory_level()
    {
        // An HTTP-only instance runs no worker, so the queue only fills: exactly its bound is accepted.
        using var redis = RedisServer.StartPrivate();
        using var service = await ServiceProcess.StartAsync(
            Directory.CreateTempSubdirectory("hso-flood-").FullName,
            new Dictionary<string, string>
            {
                ["ConnectionStrings:Redis"] = redis.ConnectionString,
                ["Hso:Role"] = "Http",
                ["Hso:Worker:MaxQueued"] = "200",
                ["Hso:Worker:MaxActivePerClient"] = "100000",
            });

        var first = await FloodAsync(service.Client, 0, 5000);
        var afterFirst = service.ResidentMiB();
        var second = await FloodAsync(service.Client, 5000, 5000);
        var afterSecond = service.ResidentMiB();
        output.WriteLine($"flood 1: {first.Accepted} accepted, {first.Refused} refused 503 with Retry-After naming the limit; resident {afterFirst:F0} MiB");
        output.WriteLine($"flood 2: {second.Accepted} accepted, {second.Refused} refused; resident {afterSecond:F0} MiB");

        Assert.Equal((200, 4800, 0), (first.Accepted, first.Refused, first.Other));
        Assert.Equal((0, 5000, 0), (second.Accepted, second.Refused, second.Other));
        // Bounded: a second flood as large as the first, all refused, leaves memory where the first left it.
        Assert.True(afterSecond - afterFirst < 64, $"resident memory grew from {afterFirst:F0} to {afterSecond:F0} MiB");
    }

    private static async Task<(int Accepted, int Refused, int Other)> FloodAsync(HttpClient client, int from, int count)
    {
        int accepted = 0, refused = 0, other = 0;
        await Parallel.ForEachAsync(Enumerable.Range(from, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (seed, _) =>
        {
            using var response = await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 50, solver = "unipc", mode = "robust", seed });
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                Interlocked.Increment(ref accepted);
            }
            else if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null
                && (await response.Content.ReadAsStringAsync()).Contains("Hso:Worker:MaxQueued", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref refused);
            }
            else
            {
                Interlocked.Increment(ref other);
            }
        });
        return (accepted, refused, other);
    }

    private static async Task<string> StatusAsync(HttpClient client, string location) =>
        (await (await client.GetAsync(location)).JsonAsync()).GetProperty("status").GetString()!;

    private sealed record Sample(string Kind, double Started, double Milliseconds, int Status, bool RetryAfter, string? Location);
}
