using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using HsoService.Api.Telemetry;

namespace HsoService.Api.Tests;

/// <summary>The dynamic batcher over HTTP: requests that sample alike run together, and each still gets its own images.</summary>
public sealed class GenerationBatchingTests
{
    // A long window, so every request below has joined before the batch starts even on a loaded machine.
    private static readonly Dictionary<string, string?> Batching = new() { ["Hso:GenerationBatchWindowMilliseconds"] = "2000", ["Hso:RateLimit:PermitsPerWindow"] = "100000" };
    private static readonly Dictionary<string, string?> Alone = new() { ["Hso:GenerationBatchWindowMilliseconds"] = "0", ["Hso:RateLimit:PermitsPerWindow"] = "100000" };

    public static TheoryData<string> Models => ["digits16-ddpm", "tiny-sd", "tiny-sdxl"];

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Concurrent_requests_are_sampled_in_one_batch_and_each_gets_the_images_it_gets_alone(string model)
    {
        var requests = Enumerable.Range(0, 6).Select(i => Request(model, i)).ToArray();
        using var batching = new ServiceFactory(settings: Batching);
        var client = batching.CreateClient();
        using var sizes = BatchSizes(batching);

        var together = await Task.WhenAll(requests.Select(r => client.PostJsonAsync("/generate", r)));
        Assert.All(together, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        // One run of every image: two per request (n = 2), six requests.
        Assert.Equal([12], sizes.Values);
        Assert.All(together, response => Assert.Equal("12", response.Headers.GetValues("X-Hso-Batch-Images").Single()));

        using var alone = new ServiceFactory(settings: Alone);
        var single = alone.CreateClient();
        for (var i = 0; i < requests.Length; i++)
        {
            var expected = Images(await (await single.PostJsonAsync("/generate", requests[i])).JsonAsync());
            Assert.Equal(expected, Images(await together[i].JsonAsync()));
            Assert.Equal(2, expected.Distinct().Count());
        }
    }

    [Fact]
    public async Task A_request_cancelled_while_its_batch_waits_leaves_it_and_the_others_are_served()
    {
        using var batching = new ServiceFactory(settings: Batching);
        var client = batching.CreateClient();
        var telemetry = batching.Service<HsoTelemetry>();
        using var sizes = BatchSizes(batching);

        using var abort = new CancellationTokenSource();
        var cancelled = client.PostAsJsonAsync("/generate", Request("digits16-ddpm", 0), ServiceFactory.Json, abort.Token);
        var others = Enumerable.Range(1, 4).Select(i => client.PostJsonAsync("/generate", Request("digits16-ddpm", i))).ToArray();
        await Eventually.Until(() => telemetry.GenerationsWaiting >= 5, "the requests did not all join the batch", 30);

        await abort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.All(await Task.WhenAll(others), response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal([8], sizes.Values);
        Assert.Equal((0, 0), (telemetry.GenerationsWaiting, telemetry.GenerationsActive));
    }

    [Fact]
    public async Task A_request_cancelled_while_waiting_gives_its_room_in_the_batch_back()
    {
        // MaxBatch 4: the cancelled request's two images must not keep the two that come after it out of the batch.
        using var batching = new ServiceFactory(settings: new Dictionary<string, string?>(Batching) { ["Hso:Onnx:MaxBatch"] = "4" });
        var client = batching.CreateClient();
        var telemetry = batching.Service<HsoTelemetry>();
        using var sizes = BatchSizes(batching);

        using var abort = new CancellationTokenSource();
        var cancelled = client.PostAsJsonAsync("/generate", Request("digits16-ddpm", 0), ServiceFactory.Json, abort.Token);
        await Eventually.Until(() => telemetry.GenerationsWaiting == 1, "the request did not join a batch", 30);
        await abort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await Eventually.Until(() => telemetry.GenerationsWaiting == 0, "the cancelled request did not leave its batch", 30);

        var served = await Task.WhenAll(Enumerable.Range(1, 2).Select(i => client.PostJsonAsync("/generate", Request("digits16-ddpm", i))));
        Assert.All(served, response => Assert.Equal("4", response.Headers.GetValues("X-Hso-Batch-Images").Single()));
        Assert.Equal([4], sizes.Values);
    }

    [Fact]
    public async Task A_request_cancelled_while_its_batch_runs_answers_at_once_and_the_others_get_their_own_images()
    {
        // Long runs (DDIM through 300 steps), so the cancel lands while the batch samples.
        object Slow(int i) => new { model = "digits16-ddpm", nfe = 300, solver = "ddim", schedule = "uniform_t", class_label = i, seed = 500 + i, n = 2, response_format = "b64_json" };
        using var batching = new ServiceFactory(settings: Batching);
        var client = batching.CreateClient();
        var telemetry = batching.Service<HsoTelemetry>();
        using var sizes = BatchSizes(batching);

        using var abort = new CancellationTokenSource();
        var cancelled = client.PostAsJsonAsync("/generate", Slow(0), ServiceFactory.Json, abort.Token);
        var others = Enumerable.Range(1, 2).Select(i => client.PostJsonAsync("/generate", Slow(i))).ToArray();
        await Eventually.Until(() => telemetry.GenerationsActive >= 3, "the batch did not start");

        await abort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(others.Any(o => o.IsCompleted), "the others should still be sampling");
        var served = await Task.WhenAll(others);
        Assert.Equal([6], sizes.Values);

        using var alone = new ServiceFactory(settings: Alone);
        var single = alone.CreateClient();
        for (var i = 0; i < served.Length; i++)
        {
            Assert.Equal(HttpStatusCode.OK, served[i].StatusCode);
            Assert.Equal(Images(await (await single.PostJsonAsync("/generate", Slow(i + 1))).JsonAsync()), Images(await served[i].JsonAsync()));
        }

        Assert.Equal((0, 0), (telemetry.GenerationsWaiting, telemetry.GenerationsActive));
    }

    // The PNGs, byte for byte (base64), and their seeds; not "created", which is the time of the answer.
    private static string[] Images(System.Text.Json.JsonElement body) =>
        [.. body.GetProperty("data").EnumerateArray().Select(image => $"{image.GetProperty("seed")}:{image.GetProperty("b64_json").GetString()}")];

    private static object Request(string model, int i) => model switch
    {
        "tiny-sdxl" => new { model, nfe = 4, solver = "unipc", schedule = "uniform_t:trailing", prompt = $"a photo of cat number {i}", prompt_2 = i % 3 == 0 ? "a dog" : null, negative_prompt = i % 2 == 0 ? null : "blurry", width = 32, height = 32, seed = 10 + (i * 7), n = 2, response_format = "b64_json" },
        "tiny-sd" => new { model, nfe = 4, solver = "dpmpp2m", schedule = "uniform_t:leading", prompt = $"a photo of cat number {i}", negative_prompt = i % 2 == 0 ? "" : "blurry", width = 32, height = 32, seed = 10 + (i * 7), n = 2, response_format = "b64_json" },
        _ => new { model, nfe = 5, solver = "dpmpp2m", schedule = "uniform_lambda", class_label = i % 10, guidance_scale = 2.0, seed = 100 + (i * 7), n = 2, response_format = "b64_json" },
    };

    /// <summary>The batch sizes this factory's batcher records (its own meter: tests in parallel do not mix in).</summary>
    private static Recorder BatchSizes(ServiceFactory factory) => new(factory.Service<HsoTelemetry>().Meter);

    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<int> _values = new();

        public Recorder(Meter meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == meter && instrument.Name == "hso.generation.batch_size")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((_, value, _, _) => _values.Enqueue(value));
            _listener.Start();
        }

        public int[] Values => [.. _values];

        public void Dispose() => _listener.Dispose();
    }
}
