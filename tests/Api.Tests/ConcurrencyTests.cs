using System.Net;
using HsoService.Api.Telemetry;

namespace HsoService.Api.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Two_hundred_identical_requests_run_one_optimization_and_all_get_the_same_schedule()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:Worker:Concurrency"] = "4" });
        var client = factory.CreateClient();
        var body = new { model = "digits16-ddpm", solver = "unipc", nfe = 9, mode = "robust" };

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => client.PostJsonAsync("/schedules", body)));
        var schedules = await Task.WhenAll(responses.Select(async response =>
        {
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return (await response.JsonAsync()).GetProperty("t").ToString();
            }

            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var job = await client.WaitForJobAsync(response.Headers.Location!.ToString());
            Assert.Equal("succeeded", job.GetProperty("status").GetString());
            return (await (await client.GetPatientlyAsync(job.GetProperty("result").GetString()!)).JsonAsync()).GetProperty("t").ToString();
        }));

        Assert.Single(schedules.Distinct());
        Assert.Equal(1, factory.Service<HsoTelemetry>().Searches);
        var jobIds = await Task.WhenAll(responses.Where(r => r.StatusCode == HttpStatusCode.Accepted).Select(async r => (await r.JsonAsync()).GetProperty("job_id").GetString()));
        Assert.True(jobIds.Distinct().Count() <= 2, $"{jobIds.Distinct().Count()} jobs for one key");
    }
}
