using System.Net;
using HsoService.Api.Stores;
using StackExchange.Redis;

namespace HsoService.Api.Tests;

/// <summary>
/// Bad data in a real Redis, against the service's own processes: a poisoned job hash and a key of the wrong type are
/// one record's problem, never an outage, a dead worker or a client's fault.
/// </summary>
public sealed class PoisonedRedisTests : IDisposable
{
    private const string Model = "digits16-ddpm";
    private readonly RedisServer _server = RedisServer.Shared();

    [Fact]
    public async Task A_poisoned_job_hash_fails_that_job_only_and_the_worker_that_meets_it_lives_on()
    {
        var redis = _server.IsolatedConnectionString();
        var data = Directory.CreateTempSubdirectory("hso-poison-").FullName;
        using var http = await ServiceProcess.StartAsync(data, new Dictionary<string, string> { ["ConnectionStrings:Redis"] = redis, ["Hso:Role"] = "Http" });
        var locations = new List<string>();
        for (var nfe = 4; nfe <= 6; nfe++)
        {
            var accepted = await http.Client.PostJsonAsync("/schedules", new { model = Model, nfe, solver = "unipc", mode = "robust" });
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            locations.Add(accepted.Headers.Location!.ToString());
        }

        using (var connection = await ConnectionMultiplexer.ConnectAsync(redis))
        {
            await connection.GetDatabase().HashSetAsync(RedisKeys.Job(locations[0].Split('/')[^1]), "nfe", "abc");
        }

        // GET of the poisoned job answers, as failed, before and after a worker met it.
        var before = await (await http.Client.GetAsync(locations[0])).JsonAsync();
        Assert.Equal("failed", before.GetProperty("status").GetString());

        using var worker = await ServiceProcess.StartAsync(Directory.CreateTempSubdirectory("hso-poison-").FullName, new Dictionary<string, string> { ["ConnectionStrings:Redis"] = redis, ["Hso:Role"] = "Worker" });
        var poisoned = await http.Client.WaitForJobAsync(locations[0], 60);
        Assert.Equal("failed", poisoned.GetProperty("status").GetString());
        Assert.Equal(
            "the job's record in the store cannot be read (its field nfe holds 'abc', which is not a valid value), so it was not run; request the schedule again",
            poisoned.GetProperty("error").GetString());
        foreach (var location in locations.Skip(1))
        {
            Assert.Equal("succeeded", (await http.Client.WaitForJobAsync(location)).GetProperty("status").GetString());
        }

        Assert.False(worker.HasExited);
        Assert.Contains(worker.Output, l => l.Contains("Unreadable job record hso:v1:job:", StringComparison.Ordinal));

        // The key is free again: a request for it gets a new job, which runs.
        var again = await http.Client.PostJsonAsync("/schedules", new { model = Model, nfe = 4, solver = "unipc", mode = "robust" });
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("succeeded", (await http.Client.WaitForJobAsync(again.Headers.Location!.ToString())).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_schedule_key_of_the_wrong_type_is_an_unreadable_record_and_does_not_open_the_store_circuit()
    {
        var redis = _server.IsolatedConnectionString();
        using var service = await ServiceProcess.StartAsync(Directory.CreateTempSubdirectory("hso-wrongtype-").FullName, new Dictionary<string, string> { ["ConnectionStrings:Redis"] = redis });
        using (var connection = await ConnectionMultiplexer.ConnectAsync(redis))
        {
            await connection.GetDatabase().ListLeftPushAsync(RedisKeys.Schedule($"{Model}:unipc:7:robust"), "x");
        }

        for (var i = 0; i < 5; i++)
        {
            using var read = await service.Client.GetAsync($"/schedules/{Model}/7?solver=unipc&mode=robust");
            Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
            Assert.Contains("its Redis key holds another type than a string", (await read.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // Nobody else is refused, and readiness agrees.
        using var unrelated = await service.Client.PostJsonAsync("/schedules", new { model = Model, nfe = 8, solver = "unipc", mode = "robust" });
        Assert.Equal(HttpStatusCode.Accepted, unrelated.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/health/ready")).StatusCode);

        // POST /schedules for the key itself stores it over the bad value.
        var repair = await service.Client.PostJsonAsync("/schedules", new { model = Model, nfe = 7, solver = "unipc", mode = "robust" });
        Assert.Equal(HttpStatusCode.Accepted, repair.StatusCode);
        Assert.Equal("succeeded", (await service.Client.WaitForJobAsync(repair.Headers.Location!.ToString())).GetProperty("status").GetString());
        Assert.Equal(8, (await (await service.Client.GetAsync($"/schedules/{Model}/7?solver=unipc&mode=robust")).JsonAsync()).GetProperty("t").GetArrayLength());
    }

    public void Dispose()
    {
        if (_server.Owned)
        {
            _server.Dispose();
        }
    }
}
