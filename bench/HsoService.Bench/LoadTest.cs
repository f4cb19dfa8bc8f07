using HsoService.Inference.ModelClasses.ClassConditionalPixel;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using HsoService.Inference.Denoising;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Families;
using HsoService.Optimization.Schedules;

namespace HsoService.Bench;

/// <summary>
/// The load benchmark behind bench/load.sh: N concurrent clients, each asking the running service for one image at
/// NFE 5 after the last came back, for a fixed time per N; then, in the same process once the clients stop, the raw
/// unet (no HTTP, no PNG, no solver arithmetic) at the batch sizes the service's batcher formed (its
/// X-Hso-Batch-Images) and at its largest, so served and raw images/s come from one run on one machine.
/// Usage: load URL MODEL_DIR SECONDS MAX_BATCH N...   (env HSO_PROVIDER: Cpu or Cuda, the service's provider too)
/// </summary>
public static class LoadTest
{
    private const int Nfe = 5;

    public static int Run(string[] args)
    {
        var url = new Uri(args[0]);
        var modelDirectory = args[1];
        var seconds = double.Parse(args[2], CultureInfo.InvariantCulture);
        var maxBatch = int.Parse(args[3], CultureInfo.InvariantCulture);
        var clients = args[4..].Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray();

        var served = new List<(int Clients, double ImagesPerSecond, double P50, double P99, int Batch)>();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = url, Timeout = TimeSpan.FromMinutes(5) };
        Measure(http, 1, Math.Min(seconds, 2)).GetAwaiter().GetResult();   // warm-up: model, JIT, connections
        foreach (var n in clients)
        {
            var (count, latencies, batches) = Measure(http, n, seconds).GetAwaiter().GetResult();
            latencies.Sort();
            batches.Sort();
            served.Add((n, count / seconds, Percentile(latencies, 0.50), Percentile(latencies, 0.99), batches.Count == 0 ? 1 : batches[batches.Count / 2]));
        }

        using var pipeline = new PixelDiffusionPipeline(ModelFolder.Open(modelDirectory), new OnnxSessionFactory(new OnnxOptions { MaxBatch = maxBatch, Provider = Enum.Parse<ExecutionProvider>(Environment.GetEnvironmentVariable("HSO_PROVIDER") ?? "Cpu", ignoreCase: true) }));
        var raw = served.Select(s => s.Batch).Append(maxBatch).Distinct().Order().ToDictionary(b => b, b => RawImagesPerSecond(pipeline, b, Math.Max(1, seconds / 2)));

        Console.WriteLine("clients\timages/s\tp50 ms\tp99 ms\tmedian batch\traw images/s at that batch\tratio");
        foreach (var s in served)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s.Clients}\t{s.ImagesPerSecond:F1}\t{s.P50:F1}\t{s.P99:F1}\t{s.Batch}\t{raw[s.Batch]:F1}\t{s.ImagesPerSecond / raw[s.Batch]:F2}"));
        }

        var best = raw.MaxBy(r => r.Value);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw unet best: {best.Value:F1} images/s at batch {best.Key}"));
        var last = served[^1];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"throughput: served {last.ImagesPerSecond:F1} images/s at {last.Clients} clients, raw {raw[last.Batch]:F1} images/s, ratio {last.ImagesPerSecond / raw[last.Batch]:F2}"));
        return 0;
    }

    private static async Task<(int Count, List<double> Latencies, List<int> Batches)> Measure(HttpClient http, int clients, double seconds)
    {
        var latencies = new List<double>();
        var batches = new List<int>();
        var count = 0;
        var failures = 0;
        var stopAt = Stopwatch.StartNew();
        var gate = new Lock();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
        {
            for (var i = 0; stopAt.Elapsed.TotalSeconds < seconds; i++)
            {
                var watch = Stopwatch.StartNew();
                using var response = await http.PostAsJsonAsync("/generate", new { model = "digits16-ddpm", nfe = Nfe, solver = "dpmpp2m", schedule = "uniform_lambda", guidance_scale = 1.0, class_label = (client + i) % 10, seed = (client * 100000) + i });
                await response.Content.ReadAsByteArrayAsync();
                var elapsed = watch.Elapsed.TotalMilliseconds;
                lock (gate)
                {
                    if (!response.IsSuccessStatusCode)
                    {
                        failures++;
                        continue;
                    }

                    // Only answers that ended inside the window count towards images/s.
                    if (stopAt.Elapsed.TotalSeconds <= seconds)
                    {
                        count++;
                        latencies.Add(elapsed);
                        batches.Add(int.Parse(response.Headers.GetValues("X-Hso-Batch-Images").Single(), CultureInfo.InvariantCulture));
                    }
                }
            }
        }));
        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} requests failed at {clients} clients");
        }

        return (count, latencies, batches);
    }

    /// <summary>Images/s of the unet alone at a batch size: NFE evaluations of the batch per image.</summary>
    private static double RawImagesPerSecond(PixelDiffusionPipeline pipeline, int batch, double seconds)
    {
        var times = ScheduleFamilies.Build(pipeline.Noise, "uniform_lambda", SolverKind.DpmPp2M, Nfe).T;
        using var denoiser = new UNetDenoiser(
            pipeline.Unet, pipeline.Noise, pipeline.PredictionType, batch, [pipeline.Channels, pipeline.SampleSize, pipeline.SampleSize], 1.0,
            [ConditioningInput.Labels("class_labels", [.. Enumerable.Range(0, batch).Select(i => (long)(i % 10))], pipeline.NullClassLabel)]);
        var x = new float[batch * pipeline.ImageSize];
        var output = new float[x.Length];
        denoiser.Predict(x, times[0], output, []);
        var runs = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            denoiser.Predict(x, times[runs % Nfe], output, []);
            runs++;
        }

        return runs * batch / Nfe / watch.Elapsed.TotalSeconds;
    }

    private static double Percentile(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];
}
