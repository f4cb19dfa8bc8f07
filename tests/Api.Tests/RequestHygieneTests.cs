using System.Net;
using System.Text;
using HsoService.Api.Hosting;
using HsoService.Api.Schedules;
using HsoService.Api.Worker;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HsoService.Api.Tests;

/// <summary>
/// Ownership and hygiene: a job is cancelled only by its client; its error names no file or exception; JSON is read
/// exactly as documented (no field twice, snake_case only, one value); echoed input stays small.
/// </summary>
public sealed class RequestHygieneTests : IClassFixture<RequestHygieneTests.Service>
{
    public sealed class Service : IDisposable
    {
        // The worker is off: jobs stay queued, so a cancel always finds them cancellable.
        public ServiceFactory Factory { get; } = new(settings: new Dictionary<string, string?> { ["Hso:Worker:Enabled"] = "false" });

        public void Dispose() => Factory.Dispose();
    }

    private readonly ServiceFactory _factory;
    private readonly HttpClient _client;

    public RequestHygieneTests(Service service)
    {
        _factory = service.Factory;
        _client = service.Factory.CreateClient();
    }

    private Task<HttpResponseMessage> PostRawAsync(string path, string body) =>
        _client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    // A request from another address than the test client's (the test server gives none).
    private async Task<HttpContext> DeleteFromAsync(string location, string address) =>
        await _factory.Server.SendAsync(context =>
        {
            context.Request.Method = "DELETE";
            context.Request.Path = location;
            context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        });

    [Fact]
    public async Task Only_the_client_that_requested_a_job_may_cancel_it()
    {
        var accepted = await _client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 11, solver = "unipc", mode = "robust" });
        var location = accepted.Headers.Location!.ToString();

        var stranger = await DeleteFromAsync(location, "203.0.113.7");
        Assert.Equal(StatusCodes.Status403Forbidden, stranger.Response.StatusCode);
        Assert.Equal("queued", (await (await _client.GetAsync(location)).JsonAsync()).GetProperty("status").GetString());

        var own = await _client.DeleteAsync(location);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal("cancelled", (await own.JsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_selection_auto_queues_belongs_to_no_client_and_cannot_be_cancelled()
    {
        using var generated = await _client.PostJsonAsync("/generate", new { model = "digits16-ddpm", nfe = 12, solver = "unipc", class_label = 1 });
        Assert.Equal("family-default:selection-pending", generated.Headers.GetValues("X-Hso-Schedule-Source").Single());
        // The same key asked for by a client gets the job auto queued.
        var location = (await _client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 12, solver = "unipc", mode = "selected" })).Headers.Location!.ToString();

        var refused = await _client.DeleteAsync(location);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("queued by the service itself", (await refused.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("queued", (await (await _client.GetAsync(location)).JsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public void A_jobs_error_says_what_failed_without_the_exceptions_text_or_paths()
    {
        var job = TestJobs.Create("digits16-ddpm:unipc:4:robust", model: "digits16-ddpm");
        job = job with { Attempts = 2 };
        var search = OptimizationWorker.JobError(new FileNotFoundException("Could not find file '/var/lib/hso/models/x/unet.onnx'"), job, "4bf92f3577b34da6a3ce929d0e0e4736");
        Assert.Equal("attempt 2: the robust search failed; the service's log has the details under trace id 4bf92f3577b34da6a3ce929d0e0e4736", search);
        var store = OptimizationWorker.JobError(new StoreWriteException("the schedule x", new IOException("No space left on device : '/data/schedules/x.tmp'")), job, "t");
        Assert.Equal("attempt 2: the schedule was computed but could not be stored (the store cannot write: its disk is full or read-only); trace id t", store);
    }

    [Theory]
    [InlineData("/schedules", "{\"model\": \"digits16-ddpm\", \"nfe\": 4, \"nfe\": 999}", "nfe", "nfe: given more than once; give each field once")]
    [InlineData("/generate", "{\"model\": \"digits16-ddpm\", \"nfe\": 4, \"schedule\": {\"timesteps\": [900, 500, 100, 10], \"timesteps\": [1]}}", "schedule", "schedule: the property 'timesteps' is given more than once; give each property once")]
    [InlineData("/schedules", "{\"model\": \"digits16-ddpm\", \"NFE\": 4}", "NFE", "NFE: unknown field")]
    [InlineData("/generate", "{\"model\": \"digits16-ddpm\", \"nfe\": 4, \"Class_Label\": 3}", "Class_Label", "Class_Label: unknown field")]
    public async Task A_field_given_twice_or_in_another_case_is_refused_naming_it(string path, string body, string field, string detail)
    {
        using var response = await PostRawAsync(path, body);
        var problem = await response.JsonAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
        Assert.Equal(detail, problem.GetProperty("errors").GetProperty(field)[0].GetString());
        Assert.DoesNotContain("HsoService.", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"model\": \"digits16-ddpm\", \"nfe\": 4} x")]
    [InlineData("{\"model\": \"digits16-ddpm\", \"nfe\": 4}{\"nfe\": 5}")]
    public async Task Data_after_a_whole_json_object_is_reported_as_such(string body)
    {
        using var response = await PostRawAsync("/schedules", body);
        var problem = await response.JsonAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Invalid JSON", problem.GetProperty("title").GetString());
        Assert.Equal("the body continues after its JSON object has ended; send exactly one JSON object", problem.GetProperty("detail").GetString());
        Assert.False(problem.TryGetProperty("errors", out _));
    }

    [Theory]
    [InlineData("/schedules/digits16-ddpm/5?solver={0}")]
    [InlineData("/schedules/digits16-ddpm/5?mode={0}")]
    [InlineData("/schedules/digits16-ddpm/5?mode=validated&strategy={0}")]
    public async Task An_8_kb_query_value_is_echoed_cut_short(string template)
    {
        var value = new string('x', 8000);
        using var response = await _client.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, value));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'" + new string('x', EchoedText.MostQuoted) + "...'", text, StringComparison.Ordinal);
        Assert.True(text.Length < 1500, $"{text.Length} characters answered");
    }
}

/// <summary>A background service that throws stops the host; Program then exits with <see cref="FatalStop.ExitCode"/>, naming it.</summary>
public sealed class FatalStopTests
{
    private sealed class Failing : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(50, stoppingToken);
            throw new InvalidOperationException("boom");
        }
    }

    private sealed class Quiet : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Delay(Timeout.Infinite, stoppingToken);
    }

    [Fact]
    public async Task A_background_service_that_throws_stops_the_host_as_a_fatal_stop_naming_it()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddHostedService<Failing>();
        builder.Services.AddHostedService<Quiet>();
        using var host = builder.Build();
        var fatal = FatalStop.Watch(host.Services);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.RunAsync(timeout.Token);

        Assert.False(timeout.IsCancellationRequested, "the host did not stop by itself");
        Assert.Equal(["Failing stopped with InvalidOperationException; the host stopped with it (the log has the details)"], fatal.Failures);
    }

    [Fact]
    public async Task A_host_stopped_from_outside_is_no_fatal_stop()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddHostedService<Quiet>();
        using var host = builder.Build();
        var fatal = FatalStop.Watch(host.Services);
        await host.StartAsync();
        await host.StopAsync();
        Assert.Empty(fatal.Failures);
    }
}
