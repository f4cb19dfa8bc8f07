using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using HsoService.Api.Hosting;

namespace HsoService.Api.Tests;

public sealed class OperationsTests
{
    [Fact]
    public async Task Models_lists_what_is_served_with_its_noise_schedule_and_provider()
    {
        using var factory = new ServiceFactory();
        var models = await (await factory.CreateClient().GetAsync("/models")).JsonAsync();
        var digits = models.EnumerateArray().Single(m => m.GetProperty("id").GetString() == "digits16-ddpm");
        Assert.Equal("class_conditional_pixel", digits.GetProperty("pipeline").GetString());
        Assert.Equal("dpmpp2m", digits.GetProperty("default_solver").GetString());
        Assert.Equal("scaled_linear", digits.GetProperty("noise_schedule").GetProperty("beta_schedule").GetString());
        Assert.Equal("cpu", digits.GetProperty("execution_provider").GetString());
        var sd = models.EnumerateArray().Single(m => m.GetProperty("id").GetString() == "tiny-sd");
        Assert.Equal("stable_diffusion", sd.GetProperty("pipeline").GetString());
        Assert.True(sd.GetProperty("discrete_timesteps").GetBoolean());
    }

    [Fact]
    public async Task Health_endpoints_answer_and_readiness_waits_for_the_models()
    {
        using var factory = new ServiceFactory();
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpResponseMessage ready;
        do
        {
            ready = await client.GetAsync("/health/ready");
        }
        while (ready.StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline);

        var report = await ready.JsonAsync();
        Assert.Equal("ready", report.GetProperty("status").GetString());
        Assert.Equal("up", report.GetProperty("store").GetString());
        Assert.Equal("loaded", report.GetProperty("models").GetString());
    }

    [Fact]
    public async Task Start_up_and_readiness_name_the_model_still_loading_or_warming_up_until_every_model_is_ready()
    {
        // 256 images per model through two steps: long enough on a CPU to be seen warming up, at 10 ms a look.
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:WarmupImages"] = "256", ["Hso:Onnx:MaxBatch"] = "256" });
        var client = factory.CreateClient();
        var ids = factory.Service<ModelCatalog>().Ids;
        var seen = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(240);
        HttpResponseMessage started;
        while ((started = await client.GetAsync("/health/started")).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, started.StatusCode);
            var report = await started.JsonAsync();
            Assert.Equal("starting", report.GetProperty("status").GetString());
            seen.Add(report.GetProperty("models").GetString()!);
            var ready = await client.GetAsync("/health/ready");
            if (ready.StatusCode == HttpStatusCode.OK)
            {
                // Start-up finished between the two looks; readiness never comes before it.
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/started")).StatusCode);
                continue;
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("not_ready", (await ready.JsonAsync()).GetProperty("status").GetString());
            await Task.Delay(10);
        }

        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        Assert.Equal("loaded", (await started.JsonAsync()).GetProperty("models").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        var states = seen.Where(s => s != "loading").Distinct().ToList();
        Assert.NotEmpty(states);
        foreach (var state in states)
        {
            var match = System.Text.RegularExpressions.Regex.Match(state, @"^(loading|warming up) (\S+) \((\d+) of (\d+) models ready\)$");
            Assert.True(match.Success, state);
            Assert.Contains(match.Groups[2].Value, ids);
            Assert.Equal(ids.ToList().IndexOf(match.Groups[2].Value).ToString(System.Globalization.CultureInfo.InvariantCulture), match.Groups[3].Value);
            Assert.Equal(ids.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), match.Groups[4].Value);
        }

        Assert.Contains(states, s => s.StartsWith("warming up ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_warm_up_runs_the_largest_batch_that_fits_and_none_on_cpu_unless_asked()
    {
        using var configured = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:WarmupImages"] = "100", ["Hso:GenerationMemoryBudgetMegabytes"] = "16" });
        var warmup = configured.Service<ModelWarmup>();
        var models = configured.Service<ModelCatalog>();
        Assert.Equal(64, warmup.WarmupImages(models.Pipeline("digits16-ddpm")));

        // tiny-sdxl at its default size: the 16 MB budget holds fewer images than asked for.
        var sdxl = models.Pipeline("tiny-sdxl");
        var perImage = sdxl.WorkingBytes(ModelWarmup.WarmupRequest(sdxl, 1));
        Assert.Equal((int)Math.Clamp((16L << 20) / perImage, 1, 64), warmup.WarmupImages(sdxl));
        Assert.True(warmup.WarmupImages(sdxl) < 64, $"{perImage} bytes per image");

        using var plain = new ServiceFactory();
        Assert.Equal(0, plain.Service<ModelWarmup>().WarmupImages(plain.Service<ModelCatalog>().Pipeline("digits16-ddpm")));
    }

    [Fact]
    public async Task Swagger_documents_every_endpoint_with_request_examples()
    {
        using var factory = new ServiceFactory();
        var client = factory.CreateClient();
        var document = await (await client.GetAsync("/swagger/v1/swagger.json")).JsonAsync();
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/schedules", "/schedules/jobs/{id}", "/schedules/{model}/{nfe}", "/schedules/{model}", "/generate", "/models", "/health/live", "/health/started", "/health/ready" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }

        var example = paths.GetProperty("/schedules").GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("example");
        Assert.Equal("digits16-ddpm", example.GetProperty("model").GetString());
        Assert.True(paths.GetProperty("/generate").GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/swagger/index.html")).StatusCode);
        var root = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.StartsWith("/swagger", root.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task An_api_key_guards_the_post_endpoints_only()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:ApiKey"] = "s3cret" });
        var client = factory.CreateClient();
        var body = new { model = "digits16-ddpm", nfe = 5 };
        var refused = await client.PostJsonAsync("/schedules", body);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("X-Api-Key", (await refused.JsonAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostJsonAsync("/generate", new { model = "digits16-ddpm", nfe = 5 })).StatusCode);

        // Before the body in every way: an announced 100 KB body without a key is 401, not 413.
        var large = new StringContent(new string(' ', 100 * 1024) + "{}", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/generate", large)).StatusCode);

        client.DefaultRequestHeaders.Add("X-Api-Key", "s3cret");
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostJsonAsync("/schedules", body)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().GetAsync("/models")).StatusCode);
        var keyedLarge = new StringContent(new string(' ', 100 * 1024) + "{}", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.PostAsync("/generate", keyedLarge)).StatusCode);
    }

    [Fact]
    public async Task Clients_over_the_rate_limit_get_429_with_retry_after()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:RateLimit:PermitsPerWindow"] = "5", ["Hso:RateLimit:WindowSeconds"] = "30" });
        var client = factory.CreateClient();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 8; i++)
        {
            var response = await client.GetAsync("/models");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
        }

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.NotNull(limited);
        Assert.InRange(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 30);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task A_flood_of_distinct_jobs_fills_the_queue_to_its_bound_and_the_rest_get_503_with_retry_after()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?>
        {
            ["Hso:Worker:Enabled"] = "false",
            ["Hso:Worker:MaxQueued"] = "5",
            ["Hso:RateLimit:PermitsPerWindow"] = "100000",
        });
        var client = factory.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var seed = 0; seed < 50; seed++)
        {
            var response = await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 6, mode = "robust", seed });
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Assert.True(response.Headers.RetryAfter is not null);
                Assert.Contains("Hso:Worker:MaxQueued", (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.Accepted));
        Assert.Equal(45, statuses.Count(s => s == HttpStatusCode.ServiceUnavailable));
        Assert.Equal(5, await factory.Service<HsoService.Api.Schedules.IJobQueue>().DepthAsync());
    }

    [Fact]
    public async Task One_client_gets_429_with_retry_after_beyond_its_active_jobs()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?>
        {
            ["Hso:Worker:Enabled"] = "false",
            ["Hso:Worker:MaxActivePerClient"] = "2",
            ["Hso:ApiKey"] = "k1",
        });
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", "k1");
        var statuses = new List<HttpStatusCode>();
        for (var seed = 1; seed <= 3; seed++)
        {
            statuses.Add((await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 4, mode = "robust", seed })).StatusCode);
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], statuses);
        var refused = await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 4, mode = "robust", seed = 9 });
        Assert.True(refused.Headers.RetryAfter is not null);
        Assert.Contains("Hso:Worker:MaxActivePerClient", (await refused.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embedded_jobs_accepted_with_202_survive_a_restart_and_run_with_the_same_ids()
    {
        var data = Directory.CreateTempSubdirectory("hso-restart-").FullName;
        var locations = new List<string>();
        using (var first = new ServiceFactory(dataDirectory: data, settings: new Dictionary<string, string?> { ["Hso:Worker:Enabled"] = "false" }))
        {
            var client = first.CreateClient();
            for (var seed = 1; seed <= 20; seed++)
            {
                var accepted = await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 4, solver = "ddim", mode = "robust", seed });
                Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
                locations.Add(accepted.Headers.Location!.ToString());
            }
        }

        // The same data directory, a worker this time: every accepted job runs, under the id its client holds.
        using var second = new ServiceFactory(dataDirectory: data);
        var again = second.CreateClient();
        foreach (var location in locations)
        {
            Assert.Equal("succeeded", (await again.WaitForJobAsync(location)).GetProperty("status").GetString());
        }

        Assert.Equal(20, (await (await again.GetAsync("/schedules/digits16-ddpm?limit=100")).JsonAsync()).GetProperty("schedules").GetArrayLength());
    }

    [Fact]
    public async Task A_job_for_a_model_no_longer_served_after_a_restart_fails_once_saying_why()
    {
        var data = Directory.CreateTempSubdirectory("hso-dropped-").FullName;
        string location;
        var served = new Dictionary<string, string?> { ["Hso:Worker:Enabled"] = "false", ["Hso:Models:dropped:Path"] = Path.Combine(Repository.Root, "models", "digits16-ddpm") };
        using (var first = new ServiceFactory(dataDirectory: data, settings: served))
        {
            var accepted = await first.CreateClient().PostJsonAsync("/schedules", new { model = "dropped", nfe = 4, solver = "ddim", mode = "robust" });
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            location = accepted.Headers.Location!.ToString();
        }

        // Restarted without that model: the worker takes the job and fails it at once, not after three attempts.
        using var second = new ServiceFactory(dataDirectory: data);
        var job = await second.CreateClient().WaitForJobAsync(location);
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        Assert.StartsWith("model 'dropped' is not served by the worker that took this job", job.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, second.Service<HsoService.Api.Telemetry.HsoTelemetry>().Searches);
    }

    [Fact]
    public async Task Bodies_over_64_kb_are_refused_with_413()
    {
        using var factory = new ServiceFactory();
        var body = "{\"model\": \"digits16-ddpm\", \"nfe\": 5, \"prompt\": \"" + new string('a', 70_000) + "\"}";
        var response = await factory.CreateClient().PostAsync("/generate", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("Hso:Worker:Concurrency", "0", "1..64")]
    [InlineData("Hso:Worker:CancelPollMilliseconds", "5", "10..60000")]
    [InlineData("Hso:Validation:ConfirmationDraws", "17", "0..16")]
    [InlineData("Hso:Validation:Samples", "1", "2..65536")]
    [InlineData("Hso:RateLimit:PermitsPerWindow", "1000000000", "1..1000000")]
    [InlineData("Hso:GenerationTimeoutSeconds", "0", "1..3600")]
    [InlineData("Hso:GenerationConcurrency", "0", "1..256")]
    [InlineData("Hso:Onnx:MaxBatch", "0", "1..65536")]
    [InlineData("Hso:Onnx:IntraOpThreads", "-1", "0..4096")]
    [InlineData("Hso:Onnx:CudaDeviceId", "-1", "0..2147483647")]
    [InlineData("Hso:MaxStoredSchedulesPerClient", "0", "1..1000000")]
    [InlineData("Hso:MaxStoredSchedules", "-5", "1..100000000")]
    [InlineData("Hso:Onnx:CudaMemoryLimitMegabytes", "-1", "0..16777216")]
    [InlineData("Hso:WarmupImages", "-1", "0..65536")]
    public async Task A_setting_out_of_its_range_stops_the_service_at_start_naming_it_its_value_and_its_range(string key, string value, string allowed)
    {
        // Nested sections included: their ranges were once declared but never checked.
        var error = await ServiceFactory.StartupErrorAsync(new Dictionary<string, string?> { [key] = value });
        var lines = StartupError.Describe(error);
        Assert.NotNull(lines);
        Assert.Equal($"{key} is {value}; allowed: {allowed}", Assert.Single(lines));
    }

    [Theory]
    [InlineData("Hso__RateLimit__PermitsPerWindow", "1000000000", "Hso:RateLimit:PermitsPerWindow is 1000000000; allowed: 1..1000000")]
    [InlineData("Hso__Role", "foo", "Hso:Role is 'foo'; allowed: one of All, Http, Worker (case ignored)")]
    [InlineData("Hso__Onnx__Provider", "Tpu", "Hso:Onnx:Provider is 'Tpu'; allowed: one of Cpu, Cuda (case ignored)")]
    [InlineData("Hso__Onnx__CudnnConvAlgoSearch", "Fastest", "Hso:Onnx:CudnnConvAlgoSearch is 'Fastest'; allowed: one of Exhaustive, Heuristic, Default (case ignored)")]
    [InlineData("Hso__Onnx__CudaArenaExtendStrategy", "kNextPowerOfTwo", "Hso:Onnx:CudaArenaExtendStrategy is 'kNextPowerOfTwo'; allowed: one of NextPowerOfTwo, SameAsRequested (case ignored)")]
    [InlineData("Hso__Models__mine__Path", "/no/such/folder", "Hso:Models:mine:Path: model folder '/no/such/folder' does not exist")]
    [InlineData("Hso__RateLimit__KnownProxies__0", "proxy.local", "Hso:RateLimit:KnownProxies:0 is 'proxy.local'; allowed: an IPv4 or IPv6 address")]
    [InlineData("Hso__Models__digits16-ddpm__DefaultSolver", "heun", "Hso:Models:digits16-ddpm:DefaultSolver is 'heun'; allowed: ddim, euler, unipc, dpmpp2m")]
    [InlineData("Hso__Models__digits16-ddpm__DefaultNfe", "60", "Hso:Models:digits16-ddpm:DefaultNfe is 60; allowed: 2..50 (where auto measures and keeps a schedule)")]
    [InlineData("Hso__Onnx__IntraOpThreads", "99999999999", "Hso:Onnx:IntraOpThreads is '99999999999'; allowed: an integer in 0..4096")]
    [InlineData("Hso__Models__0__Id", "../etc", "Hso:Models:0:Id is '../etc'; a model id may hold letters, digits, '-', '_' and '.'")]
    public async Task The_service_process_prints_one_line_for_a_bad_setting_and_exits_with_code_1(string variable, string value, string expected)
    {
        // The operator's view: no stack trace, no abort (SIGABRT was exit code 134), one line naming the setting.
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "HsoService.Api.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Directory.CreateTempSubdirectory("hso-start-").FullName,
        };
        start.Environment[variable] = value;
        start.Environment["HSO_MODELS_DIR"] = Path.Combine(Repository.Root, "models");
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, process.ExitCode);
        Assert.Equal($"hso: configuration error: {expected}", (await stderr).Trim());
        Assert.DoesNotContain("   at ", await stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_can_be_listed_by_position_so_a_shell_can_set_ids_with_a_dash()
    {
        // Hso__Models__my-sd__Path is not a variable name bash accepts; Hso__Models__0__Id=my-sd is. (The factory
        // serves the bundled models keyed by id beside these.)
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?>
        {
            ["Hso:Models:0:Id"] = "my-sd",
            ["Hso:Models:0:Path"] = Path.Combine(Repository.Root, "tests", "fixtures", "tiny-sd"),
            ["Hso:Models:0:DefaultSolver"] = "ddim",
            ["Hso:Models:1:Id"] = "digits-copy",
            ["Hso:Models:1:Path"] = Path.Combine(Repository.Root, "models", "digits16-ddpm"),
        });
        var models = (await (await factory.CreateClient().GetAsync("/models")).JsonAsync()).EnumerateArray().ToArray();

        var ids = models.Select(m => m.GetProperty("id").GetString()).ToArray();
        Assert.Contains("my-sd", ids);
        Assert.Contains("digits-copy", ids);
        Assert.DoesNotContain("0", ids);
        Assert.DoesNotContain("1", ids);
        var mine = models.Single(m => m.GetProperty("id").GetString() == "my-sd");
        Assert.Equal("ddim", mine.GetProperty("defaults").GetProperty("solver").GetString());
        Assert.Equal("stable_diffusion", mine.GetProperty("pipeline").GetString());
        Assert.Equal("class_conditional_pixel", models.Single(m => m.GetProperty("id").GetString() == "digits-copy").GetProperty("pipeline").GetString());
    }

    [Fact]
    public async Task A_model_named_by_two_entries_stops_the_service_at_start()
    {
        var error = await ServiceFactory.StartupErrorAsync(new Dictionary<string, string?>
        {
            ["Hso:Models:0:Id"] = "digits16-ddpm",
            ["Hso:Models:digits16-ddpm:DefaultSolver"] = "ddim",
        });
        Assert.Contains("Hso:Models:digits16-ddpm and Hso:Models:0 both name the model digits16-ddpm; give each model one entry", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "Hso:Models:mine:Path is empty; it must name a model folder")]
    [InlineData("no-such-model-folder", "Hso:Models:mine:Path: model folder '")]
    public async Task A_configured_model_without_a_folder_stops_the_service_at_start_and_names_the_setting(string path, string expected)
    {
        var error = await ServiceFactory.StartupErrorAsync(new Dictionary<string, string?> { ["Hso:Models:mine:Path"] = path });
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        if (path.Length > 0)
        {
            Assert.Contains($"{path}' does not exist (a relative path is read from the service's working directory, {Directory.GetCurrentDirectory()}; give an absolute path)", error.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_list_form_model_whose_folder_is_missing_is_named_by_the_setting_the_operator_wrote()
    {
        var error = await ServiceFactory.StartupErrorAsync(new Dictionary<string, string?> { ["Hso:Models:0:Id"] = "my-digits", ["Hso:Models:0:Path"] = "/no/such/folder" });
        Assert.Contains("Hso:Models:0:Path: model folder '/no/such/folder' does not exist", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FeatureExtractor", "no-such-encoder.onnx")]
    [InlineData("ReferenceStatistics", "no-such-statistics.json")]
    public async Task A_validation_file_that_is_missing_stops_the_service_at_start_and_names_the_setting(string field, string path)
    {
        // Before, these surfaced only when a validated search first opened them, as that job's failure.
        var error = await ServiceFactory.StartupErrorAsync(new Dictionary<string, string?> { [$"Hso:Models:digits16-ddpm:{field}"] = path });
        Assert.Contains($"Hso:Models:digits16-ddpm:{field}: file '{path}' does not exist", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_feature_extractor_without_reference_statistics_stops_the_service_at_start()
    {
        // tiny-sd ships no statistics, so an encoder set on it has nothing to compare its features with.
        var encoder = Path.Combine(Repository.Root, "models", "digits16-ddpm", "classifier", "model.onnx");
        var error = await ServiceFactory.StartupErrorAsync(new Dictionary<string, string?> { ["Hso:Models:tiny-sd:FeatureExtractor"] = encoder });
        Assert.Contains("Hso:Models:tiny-sd:FeatureExtractor is set, but the model has no reference statistics to compare its features with", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cached_schedules_survive_a_restart_in_embedded_mode()
    {
        var data = Directory.CreateTempSubdirectory("hso-restart-").FullName;
        string before;
        using (var first = new ServiceFactory(dataDirectory: data))
        {
            var client = first.CreateClient();
            var accepted = await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 8, solver = "unipc", mode = "robust" });
            await client.WaitForJobAsync(accepted.Headers.Location!.ToString());
            before = (await (await client.GetAsync("/schedules/digits16-ddpm/8?solver=unipc&mode=robust")).JsonAsync()).GetProperty("t").ToString();
        }

        using var second = new ServiceFactory(dataDirectory: data);
        var read = await second.CreateClient().GetAsync("/schedules/digits16-ddpm/8?solver=unipc&mode=robust");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(before, (await read.JsonAsync()).GetProperty("t").ToString());
        Assert.Empty(Directory.EnumerateFiles(data, "*.tmp", SearchOption.AllDirectories));
    }
}

public sealed class RoleTests
{
    [Fact]
    public async Task A_worker_only_instance_answers_health_probes_and_nothing_else()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:Role"] = "Worker" });
        var client = factory.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 5 })).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync("/models")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.PostJsonAsync("/generate", new { model = "digits16-ddpm", nfe = 5 })).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.PostJsonAsync("/v1/images/generations", new { model = "digits16-ddpm", prompt = "3" })).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync("/swagger/index.html")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync("/swagger/v1/swagger.json")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task An_http_only_instance_queues_jobs_without_running_them()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:Role"] = "Http" });
        var client = factory.CreateClient();
        var accepted = await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 5, mode = "robust" });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, accepted.StatusCode);
        await Task.Delay(1000);
        var job = await (await client.GetAsync(accepted.Headers.Location!.ToString())).JsonAsync();
        Assert.Equal("queued", job.GetProperty("status").GetString());
        Assert.Equal(0, factory.Service<HsoService.Api.Telemetry.HsoTelemetry>().Searches);
    }
}

public sealed class TelemetryAndTimeoutTests
{
    [Fact]
    public async Task Optimizations_and_generations_are_measured()
    {
        var measurements = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == HsoService.Api.Telemetry.HsoTelemetry.Name)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, _, _) => measurements.Add(instrument.Name));
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => measurements.Add(instrument.Name));
        listener.Start();

        using var factory = new ServiceFactory();
        var client = factory.CreateClient();
        var accepted = await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 4, mode = "robust" });
        await client.WaitForJobAsync(accepted.Headers.Location!.ToString());
        await client.PostJsonAsync("/generate", new { model = "digits16-ddpm", nfe = 4, n = 2, response_format = "b64_json" });

        Assert.Contains("hso.optimizations", measurements);
        Assert.Contains("hso.optimization.duration", measurements);
        Assert.Contains("hso.generation.duration", measurements);
        Assert.Contains("hso.images", measurements);
        listener.RecordObservableInstruments();
        Assert.Contains("hso.generation.active", measurements);
        Assert.Contains("hso.generation.waiting", measurements);
    }

    [Fact]
    public async Task A_generation_over_the_timeout_is_cancelled_with_503()
    {
        // About 25 s of work against a 1 s limit, so the cancel lands even when timers run late on a busy machine.
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:GenerationTimeoutSeconds"] = "1" });
        var response = await factory.CreateClient().PostJsonAsync("/generate", new { model = "digits16-ddpm", nfe = 1000, solver = "ddim", schedule = "uniform_t", n = 16, response_format = "b64_json" });
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("longer than 1 s", (await response.JsonAsync()).GetProperty("detail").GetString());
        Assert.True(response.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task Generations_beyond_the_concurrency_limit_wait_for_a_free_slot()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:GenerationConcurrency"] = "1" });
        var client = factory.CreateClient();
        var telemetry = factory.Service<HsoService.Api.Telemetry.HsoTelemetry>();

        // About 25 s of sampling holds the only slot until the test aborts the request.
        using var abort = new CancellationTokenSource();
        var slow = client.PostAsJsonAsync("/generate", new { model = "digits16-ddpm", nfe = 1000, solver = "ddim", schedule = "uniform_t", n = 16, response_format = "b64_json" }, ServiceFactory.Json, abort.Token);
        await Eventually.Until(() => telemetry.GenerationsActive == 1, "the slow generation did not start");
        var quick = client.PostJsonAsync("/generate", new { model = "digits16-ddpm", nfe = 4, n = 1 });
        await Eventually.Until(() => telemetry.GenerationsWaiting == 1, "the quick generation did not wait");

        // The second request waits while the first samples; it runs once the first is aborted and frees the slot.
        Assert.Equal(1, telemetry.GenerationsActive);
        Assert.False(quick.IsCompleted);
        await abort.CancelAsync();
        Assert.Equal(HttpStatusCode.OK, (await quick).StatusCode);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);
        await Eventually.Until(() => telemetry.GenerationsActive == 0 && telemetry.GenerationsWaiting == 0, "the counts did not return to zero");
    }
}
