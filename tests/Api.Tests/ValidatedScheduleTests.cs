using HsoService.Inference.Storage;
using System.Net;
using HsoService.Api.Hosting;
using HsoService.Api.Schedules;

namespace HsoService.Api.Tests;

/// <summary>Mode validated through the service: the worker measures schedules on the model, generation prefers the result, and a cancel stores nothing.</summary>
public sealed class ValidatedScheduleTests : IDisposable
{
    private readonly RedisServer _redis = RedisServer.Shared();

    private static Dictionary<string, string?> Small(int measurements, int confirmationDraws = 0) => new()
    {
        ["Hso:Validation:Samples"] = "16",
        ["Hso:Validation:Measurements"] = measurements.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Hso:Validation:ConfirmationDraws"] = confirmationDraws.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task A_validated_search_job_measures_candidates_on_the_model_under_its_own_key()
    {
        using var factory = new ServiceFactory(settings: Small(24, confirmationDraws: 1));
        var client = factory.CreateClient();

        // A cached HSO schedule of the same key joins the candidates.
        var robust = await (await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", solver = "dpmpp2m", nfe = 4, mode = "robust" })).JsonAsync();
        await client.WaitForJobAsync(robust.GetProperty("location").GetString()!);

        var accepted = await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", solver = "dpmpp2m", nfe = 4, mode = "validated", strategy = " Search " });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var body = await accepted.JsonAsync();
        // Not the default strategy: its own key, so it never replaces the default's schedule.
        Assert.Equal($"digits16-ddpm:dpmpp2m:4:validated:{ScheduleKey.For("digits16-ddpm", Optimization.Schedules.SolverKind.DpmPp2M, 4, Optimization.Schedules.ScheduleMode.Validated, 66, Optimization.Validated.ValidatedStrategy.Search).OptionsHash}", body.GetProperty("key").GetString());
        Assert.Matches("^digits16-ddpm:dpmpp2m:4:validated:[0-9a-f]{8}$", body.GetProperty("key").GetString());
        var job = await client.WaitForJobAsync(body.GetProperty("location").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal("search", job.GetProperty("strategy").GetString());
        Assert.Equal("/schedules/digits16-ddpm/4?solver=dpmpp2m&mode=validated&strategy=search", job.GetProperty("result").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/schedules/digits16-ddpm/4?solver=dpmpp2m&mode=validated")).StatusCode);

        var schedule = await (await client.GetAsync(job.GetProperty("result").GetString())).JsonAsync();
        Assert.Equal("validated", schedule.GetProperty("mode").GetString());
        var validation = schedule.GetProperty("validation");
        Assert.Equal("search", validation.GetProperty("strategy").GetString());
        Assert.False(validation.TryGetProperty("strategy_cost", out var stages) && stages.ValueKind != System.Text.Json.JsonValueKind.Null);
        Assert.Equal("fd", validation.GetProperty("metric").GetString());
        Assert.Equal(16, validation.GetProperty("samples").GetInt32());
        var cost = validation.GetProperty("cost");
        Assert.Equal(16 * 4 * 24, cost.GetProperty("budget").GetInt64());
        Assert.InRange(cost.GetProperty("model_evaluations").GetInt64(), 1, 16 * 4 * 24);
        Assert.Equal("cpu", cost.GetProperty("provider").GetString());
        var candidates = validation.GetProperty("candidates").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray();
        Assert.Equal<string>(["hso-paper", "hso-robust", "uniform_t:trailing", "uniform_lambda", "edm:7", "ays", "cached:robust"], candidates);
        // Hso:Validation:ConfirmationDraws = 1: the finalists were measured again on the next 16 seeds.
        Assert.Equal(1000019, Assert.Single(validation.GetProperty("confirmation_seeds").EnumerateArray()).GetInt64());
        Assert.Equal("mean", validation.GetProperty("confirmation_rule").GetString());
        var winner = validation.GetProperty("finalists").EnumerateArray().MinBy(f => f.GetProperty("confirmation_mean").GetDouble());
        Assert.Equal(winner.GetProperty("t").ToString(), schedule.GetProperty("t").ToString());

        var notCached = await client.PostJsonAsync("/generate", new { model = "digits16-ddpm", solver = "dpmpp2m", nfe = 5, schedule = "validated" });
        Assert.Equal(HttpStatusCode.NotFound, notCached.StatusCode);
        Assert.Contains("no validated schedule cached for digits16-ddpm dpmpp2m nfe 5", await notCached.Content.ReadAsStringAsync());

        var bad = await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 4, mode = "measured" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("selected, validated, paper, robust", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_validated_job_runs_the_refine_strategy_by_default_and_generation_prefers_its_schedule()
    {
        var settings = Small(24);
        settings["Hso:Validation:StrategySamples"] = "16";
        using var factory = new ServiceFactory(settings: settings);
        var client = factory.CreateClient();
        var accepted = await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", solver = "dpmpp2m", nfe = 4, mode = "validated" });
        var body = await accepted.JsonAsync();
        Assert.Equal("digits16-ddpm:dpmpp2m:4:validated", body.GetProperty("key").GetString());
        var job = await client.WaitForJobAsync(body.GetProperty("location").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        // No strategy asked for: the job names none.
        Assert.False(job.TryGetProperty("strategy", out var asked) && asked.ValueKind != System.Text.Json.JsonValueKind.Null);
        Assert.Equal("/schedules/digits16-ddpm/4?solver=dpmpp2m&mode=validated", job.GetProperty("result").GetString());

        var schedule = await (await client.GetAsync(job.GetProperty("result").GetString())).JsonAsync();
        var validation = schedule.GetProperty("validation");
        Assert.Equal("refine", validation.GetProperty("strategy").GetString());
        // refine searches on the first draw of 16 samples and is confirmed on the next three, with the four families.
        Assert.Equal<long>([1000019, 1000035, 1000051], validation.GetProperty("confirmation_seeds").EnumerateArray().Select(e => e.GetInt64()));
        var names = validation.GetProperty("candidates").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray();
        Assert.Equal<string>(["uniform_lambda", "uniform_t:trailing", "edm:7", "ays"], names[..4]);
        var cost = validation.GetProperty("strategy_cost");
        Assert.Equal(0, cost.GetProperty("teacher").GetInt64());
        Assert.Equal(40L * 16 * 4, cost.GetProperty("search").GetInt64());
        Assert.Equal(names.Length * 3L * 16 * 4, cost.GetProperty("confirmation").GetInt64());
        Assert.Equal(cost.GetProperty("search").GetInt64() + cost.GetProperty("confirmation").GetInt64(), cost.GetProperty("total").GetInt64());
        var finalists = validation.GetProperty("finalists").EnumerateArray().ToArray();
        Assert.All(finalists, f => Assert.Equal(3, f.GetProperty("confirmation_scores").GetArrayLength()));
        // The proposal is served only where it beats the best family on every draw.
        Assert.Equal("every-draw", validation.GetProperty("confirmation_rule").GetString());
        double[] Scores(System.Text.Json.JsonElement f) => [.. f.GetProperty("confirmation_scores").EnumerateArray().Select(e => e.GetDouble())];
        var family = finalists.Take(4).MinBy(f => f.GetProperty("confirmation_mean").GetDouble());
        var winner = finalists.Skip(4).Where(p => Scores(p).Zip(Scores(family)).All(s => s.First < s.Second)).Append(family).MinBy(f => f.GetProperty("confirmation_mean").GetDouble());
        Assert.Equal(winner.GetProperty("origin").GetString(), validation.GetProperty("chosen_by").GetString());
        Assert.Equal(winner.GetProperty("t").ToString(), schedule.GetProperty("t").ToString());

        var generated = await client.PostJsonAsync("/generate", new { model = "digits16-ddpm", solver = "dpmpp2m", nfe = 4, n = 2, seed = 1, response_format = "b64_json" });
        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        var result = await generated.JsonAsync();
        Assert.Equal("validated", result.GetProperty("schedule_source").GetString());
        Assert.Equal(schedule.GetProperty("t").ToString(), result.GetProperty("schedule").GetProperty("t").ToString());
        var named = await client.PostJsonAsync("/generate", new { model = "digits16-ddpm", solver = "dpmpp2m", nfe = 4, schedule = "validated", seed = 1 });
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);

        // Asked for by its name, the default strategy is the same key: served from the store, no second job.
        var again = await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", solver = "dpmpp2m", nfe = 4, mode = "validated", strategy = "refine" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(schedule.GetProperty("t").ToString(), (await again.JsonAsync()).GetProperty("t").ToString());
    }

    [Fact]
    public async Task The_trajectory_strategy_asked_for_by_name_learns_from_a_teacher_run_of_the_configured_size()
    {
        var settings = Small(24);
        settings["Hso:Validation:StrategySamples"] = "16";
        settings["Hso:Validation:TeacherSamples"] = "8";
        using var factory = new ServiceFactory(settings: settings);
        var client = factory.CreateClient();
        var body = await (await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", solver = "unipc", nfe = 3, mode = "validated", strategy = "trajectory" })).JsonAsync();
        var job = await client.WaitForJobAsync(body.GetProperty("location").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal("trajectory", job.GetProperty("strategy").GetString());
        Assert.Equal("/schedules/digits16-ddpm/3?solver=unipc&mode=validated&strategy=trajectory", job.GetProperty("result").GetString());

        var validation = (await (await client.GetAsync(job.GetProperty("result").GetString())).JsonAsync()).GetProperty("validation");
        Assert.Equal("trajectory", validation.GetProperty("strategy").GetString());
        var grid = HsoService.Inference.Validation.TeacherRun.FineGrid(factory.Service<ModelCatalog>().Noise("digits16-ddpm")).Length;
        var cost = validation.GetProperty("strategy_cost");
        Assert.Equal(8L * grid, cost.GetProperty("teacher").GetInt64());
        Assert.False(cost.GetProperty("teacher_reused").GetBoolean());
        Assert.Equal(0, cost.GetProperty("search").GetInt64());
        Assert.Equal(4, validation.GetProperty("confirmation_seeds").GetArrayLength());
    }

    [Theory]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 4, "mode": "robust", "strategy": "teacher"}""", "strategy applies to mode validated only, not robust")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 4, "strategy": "refine"}""", "strategy applies to mode validated only, not selected")]
    [InlineData("""{"model": "digits16-ddpm", "nfe": 4, "mode": "validated", "strategy": "gits"}""", "strategy must be one of trajectory, teacher, refine, search, got 'gits'")]
    public async Task A_strategy_that_does_not_apply_or_does_not_exist_is_refused_naming_the_field(string json, string message)
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:Worker:Enabled"] = "false" });
        var client = factory.CreateClient();
        var response = await client.PostAsync("/schedules", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.Contains(message, problem.GetProperty("errors").GetProperty("strategy")[0].GetString(), StringComparison.Ordinal);
        var read = await client.GetAsync("/schedules/digits16-ddpm/4?mode=robust&strategy=teacher");
        Assert.Equal(HttpStatusCode.BadRequest, read.StatusCode);
    }

    [Fact]
    public async Task The_every_draw_rule_set_in_configuration_governs_the_choice()
    {
        var settings = Small(24, confirmationDraws: 2);
        // Configuration is read like the CLI's option: case ignored; the result spells the rule's own name.
        settings["Hso:Validation:ConfirmationRule"] = "Every-Draw";
        using var factory = new ServiceFactory(settings: settings);
        var client = factory.CreateClient();
        var accepted = await (await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", solver = "unipc", nfe = 4, mode = "validated", strategy = "search" })).JsonAsync();
        var job = await client.WaitForJobAsync(accepted.GetProperty("location").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());

        var schedule = await (await client.GetAsync(job.GetProperty("result").GetString())).JsonAsync();
        var validation = schedule.GetProperty("validation");
        Assert.Equal("every-draw", validation.GetProperty("confirmation_rule").GetString());
        var names = validation.GetProperty("candidates").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToHashSet();
        var finalists = validation.GetProperty("finalists").EnumerateArray()
            .Select(f => (Origin: f.GetProperty("origin").GetString()!, T: f.GetProperty("t").ToString(), Scores: f.GetProperty("confirmation_scores").EnumerateArray().Select(e => e.GetDouble()).ToArray()))
            .ToArray();
        var family = finalists.Where(f => names.Contains(f.Origin)).MinBy(f => f.Scores.Average());
        var chosen = finalists.Single(f => f.T == schedule.GetProperty("t").ToString());
        Assert.Equal(chosen.Origin, validation.GetProperty("chosen_by").GetString());
        if (names.Contains(chosen.Origin))
        {
            Assert.Equal(family.Origin, chosen.Origin);
        }
        else
        {
            Assert.All(chosen.Scores.Zip(family.Scores), s => Assert.True(s.First < s.Second, $"{chosen.Origin} {s.First} vs {family.Origin} {s.Second}"));
        }
    }

    [Fact]
    public async Task An_unknown_confirmation_rule_stops_the_service_at_start_and_names_the_setting_and_value()
    {
        var error = await ServiceFactory.StartupErrorAsync(new Dictionary<string, string?> { ["Hso:Validation:ConfirmationRule"] = "median" });
        Assert.Contains("Hso:Validation:ConfirmationRule is 'median'; it must be one of mean, every-draw (case ignored)", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_cancelled_validated_job_stops_and_leaves_no_schedule(bool redis)
    {
        // A budget of 100000 measurements keeps the job running until it is cancelled.
        using var factory = new ServiceFactory(redis: redis ? _redis.IsolatedConnectionString() : null, settings: Small(100_000));
        var client = factory.CreateClient();
        var accepted = await (await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", solver = "unipc", nfe = 6, mode = "validated", strategy = "search" })).JsonAsync();
        var location = accepted.GetProperty("location").GetString()!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var catalog = factory.Service<ModelCatalog>();
        while ((await (await client.GetAsync(location)).JsonAsync()).GetProperty("progress").GetDouble() == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var cancel = await client.DeleteAsync(location);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", (await cancel.JsonAsync()).GetProperty("status").GetString());

        // The worker stops: the model evaluations it spends stop growing.
        await Task.Delay(1500);
        var spent = catalog.Validation("digits16-ddpm").Scorer().ModelEvaluations;
        await Task.Delay(1000);
        Assert.Equal(spent, catalog.Validation("digits16-ddpm").Scorer().ModelEvaluations);
        Assert.True(spent > 0);

        var job = await (await client.GetAsync(location)).JsonAsync();
        Assert.Equal("cancelled", job.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/schedules/digits16-ddpm/6?solver=unipc&mode=validated&strategy=search")).StatusCode);
        var listed = await (await client.GetAsync("/schedules/digits16-ddpm")).JsonAsync();
        Assert.Empty(listed.GetProperty("schedules").EnumerateArray());

        // Cancelling again answers the same; a finished job cannot be cancelled; an unknown one is not found.
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync(location)).StatusCode);
        var done = await (await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 5, mode = "robust" })).JsonAsync();
        var doneLocation = done.GetProperty("location").GetString()!;
        await client.WaitForJobAsync(doneLocation);
        var conflict = await client.DeleteAsync(doneLocation);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("already succeeded", await conflict.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync("/schedules/jobs/0123456789abcdef")).StatusCode);

        // The key is free again: a new request makes a new job.
        var again = await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", solver = "unipc", nfe = 6, mode = "validated", strategy = "search" });
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.NotEqual(accepted.GetProperty("job_id").GetString(), (await again.JsonAsync()).GetProperty("job_id").GetString());
        await client.DeleteAsync((await again.JsonAsync()).GetProperty("location").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_job_storing_its_schedule_answers_a_cancel_with_409_and_keeps_its_key(bool redis)
    {
        // No worker in this instance: the test plays it, taking the job and starting to store as the worker does.
        var settings = new Dictionary<string, string?> { ["Hso:Worker:Enabled"] = "false" };
        using var factory = new ServiceFactory(redis: redis ? _redis.IsolatedConnectionString() : null, settings: settings);
        var client = factory.CreateClient();
        var location = (await (await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 7, mode = "robust" })).JsonAsync()).GetProperty("location").GetString()!;
        var queue = factory.Service<IJobQueue>();
        var taken = await queue.TakeAsync("test-worker", new CancellationTokenSource(5000).Token);
        Assert.True(await queue.BeginStoringAsync(taken));

        var refused = await client.DeleteAsync(location);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("is storing its schedule; only queued or running jobs can be cancelled", await refused.Content.ReadAsStringAsync());
        Assert.Equal("storing", (await (await client.GetAsync(location)).JsonAsync()).GetProperty("status").GetString());
        var same = await (await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", nfe = 7, mode = "robust" })).JsonAsync();
        Assert.Equal(taken.Id, same.GetProperty("job_id").GetString());
    }

    public void Dispose() => _redis.Dispose();
}
