namespace HsoService.Cli.Tests;

/// <summary>The benchmark scripts' smoke modes: seconds, not measurements, so a change that breaks a script fails here.</summary>
public class BenchScriptTests
{
    private static string Root => HsoService.Tests.Shared.RepositoryRoot.Path;

    private static HsoProcess.Result RunScript(string script, params string[] args) => RunScript(script, new Dictionary<string, string>(), args);

    private static HsoProcess.Result RunScript(string script, Dictionary<string, string> environment, params string[] args)
    {
        environment["HSO_DLL"] = HsoProcess.Dll;
        // The builds CI already made, where they are; otherwise the scripts build what they run.
        foreach (var (variable, path) in new[] { ("HSO_API_DLL", "src/Api/bin/Release/net10.0/HsoService.Api.dll"), ("HSO_BENCH_DLL", "bench/HsoService.Bench/bin/Release/net10.0/HsoService.Bench.dll") })
        {
            if (File.Exists(Path.Combine(Root, path)))
            {
                environment[variable] = Path.Combine(Root, path);
            }
        }

        // A guard against a hung script, not a timing: a smoke run took 5 min here while the Inference tests ran beside it.
        return HsoProcess.Start(script.EndsWith(".py", StringComparison.Ordinal) ? "python3" : "bash", [Path.Combine("bench", script), .. args], Root, environment, TimeSpan.FromSeconds(900));
    }

    private static double Number(string text) => double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Every_script_in_bench_has_a_smoke_run_here()
    {
        // heldout.py is the other scripts' library; each script itself must be run by a test in this class.
        var tests = File.ReadAllText(Path.Combine(Root, "tests", "Cli.Tests", "BenchScriptTests.cs"));
        var scripts = Directory.EnumerateFiles(Path.Combine(Root, "bench")).Select(Path.GetFileName).Where(name => name is not "heldout.py").ToArray();
        Assert.NotEmpty(scripts);
        Assert.All(scripts, name => Assert.Contains($"\"{name}\"", tests, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_smoke_prints_served_and_raw_throughput_per_client_count_and_the_ratio_line()
    {
        var result = RunScript("load.sh", "--smoke");

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // clients, images/s, p50, p99, median batch, raw images/s at that batch, ratio: for 1 and 4 clients.
        var rows = lines.Select(l => l.Split('\t')).Where(cells => cells.Length == 7 && cells[0] is "1" or "4").ToArray();
        Assert.Equal(["1", "4"], rows.Select(r => r[0]));
        Assert.All(rows, r => Assert.All(r[1..6], cell => Assert.True(Number(cell) > 0, string.Join(' ', r))));
        Assert.Equal("1", rows[0][4]);
        var last = System.Text.RegularExpressions.Regex.Match(lines[^1], @"^throughput: served ([0-9.]+) images/s at 4 clients, raw ([0-9.]+) images/s, ratio ([0-9.]+)$");
        Assert.True(last.Success, lines[^1]);
        // The ratio is of the unrounded figures; served and raw are printed to 0.1, so it lies within what they allow.
        var (served, raw, ratio) = (Number(last.Groups[1].Value), Number(last.Groups[2].Value), Number(last.Groups[3].Value));
        Assert.InRange(ratio, ((served - 0.05) / (raw + 0.05)) - 0.005, ((served + 0.05) / (raw - 0.05)) + 0.005);
    }

    [Fact]
    public void Http_smoke_measures_the_cached_read_against_the_health_probe()
    {
        var result = RunScript("http.sh", "--smoke");

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("/health/live\t", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("/schedules/digits16-ddpm/6?", lines[2], StringComparison.Ordinal);
        Assert.All(lines[1..3], line => Assert.True(Number(line.Split('\t')[1]) > 0, line));
        var ratio = System.Text.RegularExpressions.Regex.Match(lines[^1], @"^cached read / health = ([0-9.]+)$");
        Assert.True(ratio.Success && Number(ratio.Groups[1].Value) > 0, lines[^1]);
    }

    [Theory]
    [InlineData("as-built.py", "/tmp/hso-as-built-smoke.svg", "| unipc | 10 |")]
    [InlineData("auto-table.py", "docs/evaluation/auto", "| unipc | 10 |")]
    [InlineData("heldout-table.py", "docs/evaluation/validated/gpu-confirmed", "| dpmpp2m | 6 |")]
    [InlineData("oracle-table.py", "docs/evaluation/validated/oracle/dpmpp2m-6", "| dpmpp2m | 6 |")]
    [InlineData("rule-replay.py", "docs/evaluation/validated/gpu-confirmed/dpmpp2m-6", "-6 | mean | ")]
    [InlineData("confirmation-replay.py", null, "| unipc | 10 |")]
    [InlineData("strategy-table.py", "docs/evaluation/strategies", "| unipc | 10 | refine |")]
    [InlineData("flow-table.py", "docs/evaluation/flow", "| unipc | 10 |")]
    public void Table_scripts_rebuild_their_tables_from_the_committed_reports(string script, string? argument, string row)
    {
        // Their normal run is the smoke: seconds over the reports in docs/evaluation.
        var result = argument is null ? RunScript(script) : RunScript(script, argument);

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        var line = result.Stdout.Split('\n').FirstOrDefault(l => l.Contains(row, StringComparison.Ordinal));
        Assert.NotNull(line);
        Assert.Matches(@"\b[0-9]+\.[0-9]{2,3}\b", line);
    }

    [Fact]
    public void Gpu_validated_smoke_runs_the_flow_on_the_cpu_and_writes_a_report_with_the_validated_schedule()
    {
        var output = Directory.CreateTempSubdirectory("hso-gpu-validated-").FullName;
        var result = RunScript("gpu-validated.sh", new Dictionary<string, string> { ["OUT"] = output }, "--smoke");

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.Matches(@"(?m)^dpmpp2m nfe 3: [0-9]+ s$", result.Stdout);
        var report = File.ReadAllText(Path.Combine(output, "dpmpp2m-3", "report.json"));
        Assert.Contains("\"schedule\": \"validated\"", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Gpu_confirmed_smoke_runs_the_search_and_remeasures_it_on_the_three_other_seeds()
    {
        var output = Directory.CreateTempSubdirectory("hso-gpu-confirmed-").FullName;
        var result = RunScript("gpu-confirmed.sh", "--smoke", output);

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        foreach (var seed in new[] { 1234, 5000, 20000, 40000 })
        {
            Assert.Contains("\"schedule\": \"validated\"", File.ReadAllText(Path.Combine(output, "dpmpp2m-3", $"seed-{seed}", "report.json")), StringComparison.Ordinal);
            Assert.Matches($@"(?m)^dpmpp2m nfe 3 seed {seed}[ :].*[0-9]+ ms$", result.Stdout);
        }
    }

    [Fact]
    public void Auto_heldout_smoke_draws_a_row_per_setting_with_every_seed()
    {
        var result = RunScript("auto-heldout.sh", "--smoke");

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        var lines = result.Stdout.Split('\n').Where(l => l.StartsWith("| ddim | 3 |", StringComparison.Ordinal) || l.StartsWith("| unipc | 3 |", StringComparison.Ordinal)).ToArray();
        // The held-out table: two seeds per row (1234 and 5000), each auto's FD against the best family's.
        var heldOut = lines.Where(l => l.Contains(" vs ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, heldOut.Length);
        Assert.All(heldOut, row => Assert.Equal(2, row.Split('|').Count(cell => cell.Contains(" vs ", StringComparison.Ordinal))));
        Assert.Contains("cases above 1.02", result.Stdout, StringComparison.Ordinal);
        // The seed-1234 FD table: every schedule, auto's choice and HSO's ratio to uniform_lambda.
        var fd = lines.Except(heldOut).ToArray();
        Assert.Equal(2, fd.Length);
        Assert.All(fd, row => Assert.Equal(14, row.Split('|').Length));
    }

    [Fact]
    public void Flow_heldout_smoke_draws_every_flow_schedule_as_a_ratio_of_the_seed_means()
    {
        var result = RunScript("flow-heldout.sh", "--smoke");

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        // One row per setting: the best family's mean FD, then default, flow_shift:3, uniform_t, uniform_lambda, edm,
        // hso-robust, hso-paper, auto (the selection made now) and auto as the reports measured it as ratios, what
        // auto serves and its worst seed.
        var rows = result.Stdout.Split('\n').Where(l => l.StartsWith("| ddim | 4 |", StringComparison.Ordinal) || l.StartsWith("| unipc | 4 |", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, rows.Length);
        foreach (var row in rows)
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries)[1..^1];
            Assert.Equal(14, cells.Length);
            var ratios = cells[3..12].Select(Number).ToArray();
            Assert.All(ratios, r => Assert.InRange(r, 0.1, 100));
            // The best family's own ratio is 1 and no family is below it.
            Assert.Equal(1.0, ratios[..5].Min(), 3);
        }

        Assert.Contains("2-seed means (seeds 1234, 5000; 64 samples each)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("settings above 1.02", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Strategies_smoke_runs_the_trajectory_strategy_and_draws_its_row_beside_the_search()
    {
        var result = RunScript("strategies.sh", "--smoke");

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.Contains("check: uniform_lambda dpmpp2m nfe 3 held-out FD on seed 1234:", result.Stdout, StringComparison.Ordinal);
        var row = result.Stdout.Split('\n').First(l => l.StartsWith("| dpmpp2m | 3 | trajectory |", StringComparison.Ordinal)).Split('|').Select(c => c.Trim()).ToArray();
        // The first table: teacher run (128 samples over the grid) and four draws of 256 samples for each family and the proposal.
        var evaluations = long.Parse(row[5].Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(evaluations, (128 * 50) + (4 * 4 * 256 * 3), (128 * 100) + (5 * 4 * 256 * 3));
        Assert.Matches(@"^1/[0-9]+$", row[6]);
        Assert.True(int.Parse(row[6][2..], System.Globalization.CultureInfo.InvariantCulture) >= 20, row[6]);
        Assert.Contains("| dpmpp2m | 3 | search | not measured | 983,040 |", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Selection_noise_smoke_prints_the_pick_of_a_draw_with_every_familys_fd()
    {
        var result = RunScript("selection-noise.sh", "--smoke");

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        var line = Assert.Single(result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var match = System.Text.RegularExpressions.Regex.Match(line, @"^K 16 draw 1000003 unipc NFE 3: picks (\S+); uniform_lambda ([0-9.]+) edm ([0-9.]+) ays ([0-9.]+)$");
        Assert.True(match.Success, line);
        var fds = new Dictionary<string, double>
        {
            ["uniform_lambda"] = double.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture),
            ["edm"] = double.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture),
            ["ays"] = double.Parse(match.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture),
        };
        Assert.Equal(fds.MinBy(f => f.Value).Key, match.Groups[1].Value);
        Assert.All(fds.Values, fd => Assert.InRange(fd, 0.01, 1000));
    }

    [Fact]
    public void Determinism_smoke_counts_differing_runs_per_setting_and_distinct_files_per_promise()
    {
        var result = RunScript("determinism.sh", "--smoke");

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("load: 1 busy loop(s) on " + Environment.ProcessorCount + " cores", lines[0]);
        // One row per session setting: the classifier, 3 runs, how many differed from the first, how far.
        var rows = lines.Select(l => l.Split('\t')).Where(cells => cells.Length == 7 && cells[0] == "digits16-ddpm/classifier/model.onnx").ToArray();
        Assert.Equal(6, rows.Length);
        Assert.All(rows, r => Assert.Equal("3", r[2]));
        // Under the busy loop too, no run differs in any bit from its session's first (docs/determinism.md).
        Assert.All(rows, r => Assert.Equal("0", r[3]));
        // The service setting against itself is 0; basic graph optimisations fuse less, so they round differently.
        Assert.Equal(0, Number(rows[0][5]));
        Assert.True(Number(rows[3][5]) > 0, string.Join(' ', rows[3]));
        foreach (var name in new[] { "reference-stats", "digits-generate", "tiny-sd-generate" })
        {
            Assert.Equal($"{name}: 2 runs, 1 distinct file(s)", lines.Single(l => l.StartsWith(name + ":", StringComparison.Ordinal)));
        }
    }
}
