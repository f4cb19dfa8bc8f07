using System.Diagnostics;
using System.Net;

namespace HsoService.Api.Tests;

/// <summary>
/// Generation memory is bounded and given back: the batcher counts each request's tensors against
/// Hso:GenerationMemoryBudgetMegabytes, refuses a request larger than the budget up front, and after a burst of large
/// images the process returns to near its idle size.
/// </summary>
public sealed class GenerationMemoryTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly Dictionary<string, string?> Batching = new() { ["Hso:GenerationBatchWindowMilliseconds"] = "2000", ["Hso:RateLimit:PermitsPerWindow"] = "100000" };

    private static object Large(int n) => new { model = "tiny-sd", nfe = 4, prompt = "a cat", width = 1024, height = 1024, n, schedule = "uniform_t:leading", response_format = "b64_json" };

    [Fact]
    public async Task A_request_larger_than_the_budget_is_refused_up_front_naming_n_and_the_setting()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?>(Batching) { ["Hso:GenerationMemoryBudgetMegabytes"] = "64" });
        var client = factory.CreateClient();
        var watch = Stopwatch.StartNew();
        var refused = await client.PostJsonAsync("/generate", Large(2));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.JsonAsync();
        var message = problem.GetProperty("errors").GetProperty("n")[0].GetString()!;
        Assert.Contains("n = 2 images of 1024x1024 need about 103 MB of tensors, above the generation memory budget of 64 MB (Hso:GenerationMemoryBudgetMegabytes)", message, StringComparison.Ordinal);
        // Refused before it sampled anything: no 1024 x 1024 unet run.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the refusal took {watch.Elapsed}");

        var small = await client.PostJsonAsync("/generate", new { model = "tiny-sd", nfe = 4, prompt = "a cat", width = 64, height = 64 });
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    [Theory]
    [InlineData(64, 8)]
    [InlineData(20, 4)]
    public async Task A_batch_takes_requests_only_while_their_tensors_fit_the_budget(int budget, int batchImages)
    {
        // Each request: 4 images of 256 x 256, 12.9 MB of tensors; two fit in 64 MB, only one in 20 MB.
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?>(Batching) { ["Hso:GenerationMemoryBudgetMegabytes"] = budget.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var client = factory.CreateClient();
        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(i =>
            client.PostJsonAsync("/generate", new { model = "tiny-sd", nfe = 4, prompt = $"cat {i}", width = 256, height = 256, n = 4, seed = i * 10, schedule = "uniform_t:leading", response_format = "b64_json" })));
        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.StatusCode));
        Assert.All(answers, answer => Assert.Equal(batchImages.ToString(System.Globalization.CultureInfo.InvariantCulture), answer.Headers.GetValues("X-Hso-Batch-Images").Single()));
    }

    [Fact]
    public async Task Two_large_requests_stay_within_the_budget_and_the_memory_comes_back()
    {
        var data = Directory.CreateTempSubdirectory("hso-memory-").FullName;
        using var service = await ServiceProcess.StartAsync(data, new Dictionary<string, string>
        {
            ["Hso:Models:tiny-sd:Path"] = Path.Combine(Repository.Root, "tests", "fixtures", "tiny-sd"),
            ["Hso:GenerationTimeoutSeconds"] = "600",
        });
        await Eventually.Until(async () => (await service.Client.GetAsync("/health/ready")).IsSuccessStatusCode, "the models did not load", 120);
        var idle = service.ResidentMiB();
        var peak = idle;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, service.ResidentMiB());
                await Task.Delay(100);
            }
        });

        using var client = new HttpClient { BaseAddress = service.Client.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => client.PostJsonAsync("/generate", Large(16))));
        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.StatusCode));
        var afterBurst = service.ResidentMiB();
        var settled = Stopwatch.StartNew();
        var returned = false;
        while (settled.Elapsed < TimeSpan.FromSeconds(30) && !returned)
        {
            await Task.Delay(500);
            returned = service.ResidentMiB() <= 1.5 * idle;
        }

        await sampling.CancelAsync();
        await sampler;
        var end = service.ResidentMiB();
        output.WriteLine($"idle {idle:F0} MiB, peak {peak:F0} MiB (+{peak - idle:F0}), after the burst {afterBurst:F0} MiB, {settled.Elapsed.TotalSeconds:F1} s later {end:F0} MiB ({end / idle:F2}x idle)");
        Assert.True(peak - idle <= 2048, $"the burst took {peak - idle:F0} MiB above idle, over the 2048 MB budget");
        Assert.True(returned, $"30 s after the burst the service held {end:F0} MiB, more than 1.5 x its idle {idle:F0} MiB");
    }
}
