using System.Text.Json;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;

namespace HsoService.Cli.Tests;

public class CliTests
{
    [Fact]
    public void Progress_written_to_a_pipe_is_plain_lines_with_the_time_left()
    {
        var output = new StringWriter();
        var result = ConsoleProgress.Plain("measuring", 20, report =>
        {
            for (var done = 1; done <= 20; done++)
            {
                report(done);
            }

            return 7;
        }, output);

        Assert.Equal(7, result);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, lines.Length);
        Assert.Equal([10, 20, 30, 40, 50, 60, 70, 80, 90], lines[..9].Select(l => int.Parse(System.Text.RegularExpressions.Regex.Match(l, "^measuring: (\\d+)% after [0-9.]+ s, about [0-9.]+ s left").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.StartsWith("measuring: done in ", lines[9], StringComparison.Ordinal);
    }

    [Fact]
    public void The_scripts_hso_wrapper_runs_the_command_from_any_folder_with_the_schedule_in_diffusers_terms()
    {
        // The README's way to get hso: scripts/hso, called from outside the checkout.
        var result = HsoProcess.Start(
            "bash",
            [Path.Combine(HsoService.Tests.Shared.RepositoryRoot.Path, "scripts", "hso"), "schedule", "--family", "uniform_lambda", "--scheduler-config", "sd", "--solver", "dpmpp2m", "--nfe", "5", "--json"],
            Path.GetTempPath(),
            null,
            TimeSpan.FromSeconds(300));

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last());
        var diffusers = json.RootElement.GetProperty("diffusers");
        Assert.Equal("DPMSolverMultistepScheduler", diffusers.GetProperty("scheduler").GetString());
        Assert.Equal([999, 757, 413, 103, 11], diffusers.GetProperty("timesteps").EnumerateArray().Select(t => t.GetInt32()));
        Assert.Equal(0.0, diffusers.GetProperty("sigmas").EnumerateArray().Last().GetDouble());
    }

    [Fact]
    public void Optimize_with_json_prints_exactly_one_schedule_equal_to_the_library_result()
    {
        var result = HsoProcess.Run("optimize", "--scheduler-config", "sd", "--solver", "unipc", "--nfe", "5", "--mode", "paper", "--seed", "66", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var schedule = ScheduleJson.Deserialize(Assert.Single(lines));
        var expected = HsoOptimizer.Optimize(
            NoiseSchedule.FromConfig(NoiseSchedulePresets.StableDiffusion),
            new HsoOptions { Mode = ScheduleMode.Paper, Solver = SolverKind.UniPc, Nfe = 5 });
        Assert.Equal(expected.T, schedule.T);
        Assert.Equal(ScheduleMode.Paper, schedule.Mode);
        Assert.Equal(66, schedule.Seed);
    }

    [Fact]
    public void Schedule_reads_a_diffusers_model_folder()
    {
        var folder = Directory.CreateTempSubdirectory("hso-cli-");
        try
        {
            Directory.CreateDirectory(Path.Combine(folder.FullName, "scheduler"));
            File.WriteAllText(
                Path.Combine(folder.FullName, "scheduler", "scheduler_config.json"),
                """{"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012, "num_train_timesteps": 1000}""");

            var result = HsoProcess.Run("schedule", "--family", "uniform_t:trailing", "--scheduler-config", folder.FullName, "--solver", "ddim", "--nfe", "4", "--json");

            Assert.Equal(0, result.ExitCode);
            using var json = JsonDocument.Parse(result.Stdout);
            Assert.Equal([999, 749, 499, 249], json.RootElement.GetProperty("timesteps").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal("uniform_t:trailing", json.RootElement.GetProperty("family").GetString());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_flow_configs_default_is_diffusers_and_its_block_is_not_snapped_to_the_grid()
    {
        // tiny-sd3 ships FlowMatchEulerDiscreteScheduler with shift 3; its reference.json records diffusers' sigmas.
        var result = HsoProcess.Run("schedule", "--family", "default", "--scheduler-config", Path.Combine(HsoService.Tests.Shared.RepositoryRoot.Path, "tests", "fixtures", "tiny-sd3"), "--solver", "euler", "--nfe", "4", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var t = json.RootElement.GetProperty("t").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal([1.0, 0.857692301273346, 0.602150559425354, 0.008928571827709675], t, new ToleranceComparer(1e-6));
        var block = json.RootElement.GetProperty("diffusers");
        Assert.Equal("FlowMatchEulerDiscreteScheduler", block.GetProperty("scheduler").GetString());
        // The block's sigmas are t through the inverse of shift 3: s / (3 - 2 s); exact, not rounded to trained steps.
        Assert.Equal(t.Select(s => s / (3 - (2 * s))), block.GetProperty("sigmas").EnumerateArray().Select(e => e.GetDouble()), new ToleranceComparer(1e-12));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }

    [Fact]
    public void Without_json_it_prints_a_table_people_can_read()
    {
        var result = HsoProcess.Run("schedule", "--family", "edm", "--scheduler-config", "cosine", "--nfe", "4");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("family edm:7, solver unipc, nfe 4", result.Stdout);
        Assert.Contains("timestep", result.Stdout);
    }

    [Theory]
    [InlineData("nfe must be an integer in 2..50, got 0", "optimize", "--scheduler-config", "sd", "--nfe", "0")]
    [InlineData("nfe must be an integer in 2..50, got 60", "optimize", "--scheduler-config", "sd", "--nfe", "60")]
    [InlineData("seed must be an integer in 0..2147483647, got -1", "optimize", "--scheduler-config", "sd", "--nfe", "5", "--seed", "-1")]
    [InlineData("seed must be an integer in 0..", "generate", "--nfe", "5", "--seed", "-1", "--out", "never.png")]
    [InlineData("'fast' not recognized", "optimize", "--scheduler-config", "sd", "--nfe", "5", "--mode", "fast")]
    [InlineData("--solver 'heun' is not one of ddim, euler, unipc, dpmpp2m (case ignored", "optimize", "--scheduler-config", "sd", "--nfe", "5", "--solver", "heun")]
    [InlineData("--scheduler-config is required (or --model with --mode selected or validated)", "optimize", "--nfe", "5")]
    [InlineData("neither a preset", "optimize", "--scheduler-config", "no/such/file.json", "--nfe", "5")]
    [InlineData("eps must stay below t_max", "optimize", "--scheduler-config", "sd", "--nfe", "5", "--eps", "0.5,0.99")]
    [InlineData("family 'karras' is not one of", "schedule", "--family", "karras", "--scheduler-config", "sd", "--nfe", "5")]
    [InlineData("Unrecognized command or argument", "optimise", "--nfe", "5")]
    public void Bad_arguments_exit_2_with_one_line_on_stderr(string expected, params string[] args)
    {
        var result = HsoProcess.Run(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
        Assert.StartsWith("error: ", line);
    }

    [Fact]
    public void A_bad_scheduler_config_file_names_the_field()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{"beta_schedule": "sigmoid"}""");
            var result = HsoProcess.Run("optimize", "--scheduler-config", file, "--nfe", "5");
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("scheduler config field 'beta_schedule': 'sigmoid' is not supported", result.Stderr);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
