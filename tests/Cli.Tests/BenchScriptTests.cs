namespace HsoService.Cli.Tests;

/// <summary>The benchmark scripts' smoke modes: seconds, not measurements, so a change that breaks a script fails here.</summary>
public class BenchScriptTests
{
    private static HsoProcess.Result RunScript(string script, params string[] args) =>
        HsoProcess.Start(
            "bash",
            [Path.Combine("bench", script), .. args],
            HsoService.Tests.Shared.RepositoryRoot.Path,
            new Dictionary<string, string> { ["HSO_DLL"] = HsoProcess.Dll },
            TimeSpan.FromSeconds(300));

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
}
