using HsoService.Inference.Storage;
using System.Net;
using System.Text.Json;
using HsoService.Api.Schedules;
using HsoService.Optimization.Schedules;
using Microsoft.Extensions.DependencyInjection;

namespace HsoService.Api.Tests;

/// <summary>
/// What <c>auto</c> serves: the solver's default family until the measured selection (mode selected, queued by the
/// first request) is stored, then the selection; never a schedule a family beats on the calibration draw.
/// </summary>
public sealed class AutoScheduleTests
{
    // K = 16 and 160 measurements, no confirmation draws: the selection's 13% pays for 20 measurements, every candidate.
    private static Dictionary<string, string?> Small() => new()
    {
        ["Hso:Validation:Samples"] = "16",
        ["Hso:Validation:Measurements"] = "160",
        ["Hso:Validation:ConfirmationDraws"] = "0",
    };

    [Fact]
    public async Task Auto_serves_the_default_family_until_the_selection_is_stored_then_the_selection()
    {
        using var factory = new ServiceFactory(settings: Small());
        var client = factory.CreateClient();
        var body = new { model = "digits16-ddpm", solver = "dpmpp2m", nfe = 5, class_label = 2, seed = 3, response_format = "b64_json" };

        var first = await client.PostJsonAsync("/generate", body);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("family-default:selection-pending", first.Headers.GetValues("X-Hso-Schedule-Source").Single());
        var served = (await first.JsonAsync()).GetProperty("schedule");
        Assert.Equal("uniform_lambda", served.GetProperty("family").GetString());
        Assert.Equal("to_zero", served.GetProperty("final_step").GetString());
        Assert.Contains(served.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("selection for this key is queued", StringComparison.Ordinal));

        // The first request queued one job (POST /schedules finds it, deduplicated); the worker stores the selection.
        var job = await (await client.PostJsonAsync("/schedules", new { model = "digits16-ddpm", solver = "dpmpp2m", nfe = 5 })).JsonAsync();
        if (job.TryGetProperty("location", out var location))
        {
            Assert.Equal("digits16-ddpm:dpmpp2m:5:selected", job.GetProperty("key").GetString());
            Assert.Equal("succeeded", (await client.WaitForJobAsync(location.GetString()!)).GetProperty("status").GetString());
        }

        var stored = await (await client.GetAsync("/schedules/digits16-ddpm/5?solver=dpmpp2m")).JsonAsync();
        Assert.Equal("selected", stored.GetProperty("mode").GetString());
        var report = stored.GetProperty("validation");
        Assert.Equal("selection", report.GetProperty("chosen_by").GetString());
        var candidates = report.GetProperty("candidates").EnumerateArray().ToArray();
        Assert.Equal<string>(["uniform_lambda", "uniform_t:trailing", "edm:7", "ays", "hso-robust", "hso-paper"], candidates.Select(c => c.GetProperty("name").GetString()!));
        var score = report.GetProperty("score").GetDouble();
        Assert.All(candidates, c => Assert.True(score <= c.GetProperty("score").GetDouble(), $"{c.GetProperty("name")} scores below the served schedule"));
        var best = candidates.MinBy(c => c.GetProperty("score").GetDouble());
        Assert.Equal(best.GetProperty("t").ToString(), stored.GetProperty("t").ToString());
        Assert.Equal(best.GetProperty("name").GetString(), stored.GetProperty("family").GetString());
        // 13% of a default validated search (16 samples x NFE 5 x 160 measurements); one measurement per candidate
        // without confirmation draws (HSO's two modes share times here or not).
        Assert.Equal(1664, report.GetProperty("cost").GetProperty("budget").GetInt64());
        Assert.InRange(report.GetProperty("cost").GetProperty("model_evaluations").GetInt64(), 16 * 5 * 5, 16 * 5 * 6);

        var second = await client.PostJsonAsync("/generate", body);
        Assert.Equal("selected", second.Headers.GetValues("X-Hso-Schedule-Source").Single());
        Assert.Equal(stored.GetProperty("t").ToString(), (await second.JsonAsync()).GetProperty("schedule").GetProperty("t").ToString());
    }

    [Fact]
    public async Task A_model_without_a_feature_score_gets_the_default_family_and_is_told_why()
    {
        using var factory = new ServiceFactory(settings: Small());
        var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/generate", new { model = "tiny-sd", nfe = 4, prompt = "a cat", width = 64, height = 64, response_format = "b64_json" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("family-default:no-scorer", response.Headers.GetValues("X-Hso-Schedule-Source").Single());
        var schedule = (await response.JsonAsync()).GetProperty("schedule");
        Assert.Equal(JsonValueKind.String, schedule.GetProperty("family").ValueKind);
        Assert.Contains(schedule.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("no feature extractor", StringComparison.Ordinal));

        // Nothing can be measured on it, so the measured modes are refused up front, naming the field, and nothing is queued.
        foreach (var (path, body, field) in new (string, object, string)[]
        {
            ("/schedules", new { model = "tiny-sd", nfe = 4, solver = "ddim" }, "mode"),
            ("/schedules", new { model = "tiny-sd", nfe = 4, solver = "ddim", mode = "validated" }, "mode"),
            ("/generate", new { model = "tiny-sd", nfe = 4, solver = "ddim", prompt = "a cat", width = 64, height = 64, schedule = "selected" }, "schedule"),
        })
        {
            var refused = await client.PostJsonAsync(path, body);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var message = (await refused.JsonAsync()).GetProperty("errors").GetProperty(field)[0].GetString()!;
            Assert.Contains("tiny-sd has no feature extractor", message, StringComparison.Ordinal);
            Assert.Contains("robust or paper", message, StringComparison.Ordinal);
        }

        // HSO on the noise schedule alone needs no scorer and is still served.
        var robust = await client.PostJsonAsync("/schedules", new { model = "tiny-sd", nfe = 4, solver = "ddim", mode = "robust" });
        Assert.Equal(HttpStatusCode.Accepted, robust.StatusCode);

        // A selection stored before the refusal (an older version stored the family under mode selected) is not
        // served as measured: auto still says no-scorer.
        var store = factory.Services.GetRequiredService<IScheduleStore>();
        var family = (await response.JsonAsync()).GetProperty("schedule");
        await store.SetAsync(
            ScheduleKey.For("tiny-sd", SolverKind.Ddim, 4, ScheduleMode.Selected, ScheduleKey.DefaultSeed),
            ScheduleJson.Deserialize(family.GetRawText()) with { Mode = ScheduleMode.Selected });
        var again = await client.PostJsonAsync("/generate", new { model = "tiny-sd", nfe = 4, solver = "ddim", prompt = "a cat", width = 64, height = 64, response_format = "b64_json" });
        Assert.Equal("family-default:no-scorer", again.Headers.GetValues("X-Hso-Schedule-Source").Single());
    }

    [Fact]
    public async Task Above_the_optimizers_nfe_auto_serves_the_default_family_and_says_so()
    {
        using var factory = new ServiceFactory(settings: Small());
        var client = factory.CreateClient();

        var response = await client.PostJsonAsync("/generate", new { model = "digits16-ddpm", solver = "unipc", nfe = 60, response_format = "b64_json" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("family-default:nfe-above-limit", response.Headers.GetValues("X-Hso-Schedule-Source").Single());
        Assert.Equal("uniform_lambda", (await response.JsonAsync()).GetProperty("schedule").GetProperty("family").GetString());
    }
}
