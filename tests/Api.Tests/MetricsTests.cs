using System.Net;
using System.Text.RegularExpressions;
using HsoService.Tests.Shared;
using YamlDotNet.RepresentationModel;

namespace HsoService.Api.Tests;

/// <summary>
/// GET /metrics: what Prometheus scrapes, and what the autoscaler in deploy/k8s reads from it. Run alone: OpenTelemetry
/// listens to every meter of the service's name in the process, so another test's service generating at the same time
/// counts in this one's scrape (one CI run saw the count pass 1 that way). One process serves one service in production.
/// </summary>
[Collection(nameof(ProcessWideMetrics))]
public sealed partial class MetricsTests
{
    /// <summary>The PromQL query of the KEDA ScaledObject in deploy/k8s.</summary>
    private static string ScalerQuery()
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Repository.Root, "deploy", "k8s", "generation-scaledobject.yaml")))
        {
            stream.Load(reader);
        }

        var scaled = (YamlMappingNode)stream.Documents.Single(d => ((YamlScalarNode)((YamlMappingNode)d.RootNode)["kind"]).Value == "ScaledObject").RootNode;
        var trigger = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)scaled["spec"])["triggers"]).Children.Single();
        return ((YamlScalarNode)((YamlMappingNode)trigger["metadata"])["query"]).Value!;
    }

    /// <summary>Each series' name and its TYPE line's type, from Prometheus' text format.</summary>
    private static Dictionary<string, string> Types(string exposition) =>
        TypeLine().Matches(exposition).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["type"].Value);

    [GeneratedRegex(@"^# TYPE (?<name>\S+) (?<type>\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [Fact]
    public async Task The_autoscalers_metrics_are_gauges_in_the_services_prometheus_output_after_a_generation()
    {
        using var factory = new ServiceFactory();
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("/generate", new { model = "digits16-ddpm", nfe = 3, class_label = 3, seed = 1 })).StatusCode);

        // The request's duration is recorded as its batch finishes, which may come just after the answer is sent, and
        // the exporter caches a scrape for 300 ms: look again until the one generation is counted.
        var count = new Regex("^hso_generation_duration_milliseconds_count\\{[^}]*model=\"digits16-ddpm\"[^}]*\\} 1( |$)", RegexOptions.Multiline);
        var text = "";
        await Eventually.Until(
            async () =>
            {
                var scrape = await client.GetAsync("/metrics");
                Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
                Assert.StartsWith("text/plain", scrape.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
                text = await scrape.Content.ReadAsStringAsync();
                return count.IsMatch(text);
            },
            "the generation never appeared in hso_generation_duration_milliseconds_count",
            30);
        var types = Types(text);
        var names = AutoscalerQuery.MetricNames(ScalerQuery());
        Assert.NotEmpty(names);
        foreach (var name in names)
        {
            // avg_over_time of a gauge is the average queue; of a counter it would be meaningless.
            Assert.True(types.TryGetValue(name, out var type), $"{name} is not in /metrics:\n{text}");
            Assert.Equal("gauge", type);
            Assert.Matches(new Regex($"^{name}(\\{{[^}}]*\\}})? 0( |$)", RegexOptions.Multiline), text);
        }

        // The latency histogram, with buckets up to the generation timeout, holds the one generation.
        Assert.Equal("histogram", types["hso_generation_duration_milliseconds"]);
        Assert.Matches(new Regex("^hso_generation_duration_milliseconds_bucket\\{[^}]*le=\"120000\"[^}]*\\} 1( |$)", RegexOptions.Multiline), text);
        Assert.Matches(new Regex("^hso_generation_duration_milliseconds_count\\{[^}]*model=\"digits16-ddpm\"[^}]*\\} 1( |$)", RegexOptions.Multiline), text);
    }

    [Fact]
    public async Task A_worker_only_instance_serves_metrics_too()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:Role"] = "Worker" });
        var text = await (await factory.CreateClient().GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Equal("gauge", Types(text)["hso_generation_waiting"]);
    }

    [Fact]
    public async Task Metrics_are_not_served_when_the_setting_turns_them_off()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:PrometheusMetrics"] = "false" });
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }
}

/// <summary>Tests that read the process's meters, run after the parallel tests and one at a time.</summary>
[CollectionDefinition(nameof(ProcessWideMetrics), DisableParallelization = true)]
public sealed class ProcessWideMetrics;
