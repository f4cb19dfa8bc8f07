using System.Text.Json;

namespace HsoService.Cli.Tests;

public sealed class InferenceCommandTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("hso-cli-");

    public void Dispose() => _scratch.Delete(recursive: true);

    private static (int Width, int Height, byte ColorType) PngHeader(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes.Take(4));
        static int BigEndian(byte[] b, int at) => (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
        return (BigEndian(bytes, 16), BigEndian(bytes, 20), bytes[25]);
    }

    [Fact]
    public void Generate_writes_a_grid_of_digits_and_is_reproducible()
    {
        var first = Path.Combine(_scratch.FullName, "a.png");
        var second = Path.Combine(_scratch.FullName, "b.png");
        string[] args = ["generate", "--model", "digits16-ddpm", "--label", "3", "--nfe", "8", "--solver", "dpmpp2m", "--schedule", "hso-robust", "--seed", "1", "--n", "16"];

        var result = HsoProcess.Run([.. args, "--out", first]);
        HsoProcess.Run([.. args, "--out", second]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("16 image(s) 16x16, dpmpp2m nfe 8", result.Stdout);
        Assert.Equal((4 * 16 + 3, 4 * 16 + 3, (byte)0), PngHeader(first)); // 4 x 4 grid, 1-pixel gaps, 8-bit gray
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public void Generate_runs_the_stable_diffusion_fixture()
    {
        var output = Path.Combine(_scratch.FullName, "sd.png");
        var folder = Path.Combine(Root(), "tests", "fixtures", "tiny-sd");
        var result = HsoProcess.Run("generate", "--model", folder, "--prompt", "a photo of a dog", "--nfe", "4", "--schedule", "uniform_t:leading", "--width", "64", "--height", "64", "--guidance", "7.5", "--out", output);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal((64, 64, (byte)2), PngHeader(output)); // 8-bit RGB
    }

    [Theory]
    [InlineData("class_label must be in 0..9", "--label", "11", "--nfe", "5")]
    [InlineData("guidance_scale must be a finite number", "--guidance", "NaN", "--nfe", "5")]
    [InlineData("nfe must be an integer in 2..100, got 0", "--nfe", "0")]
    [InlineData("is neither a registered model", "--model", "no-such-model", "--nfe", "5")]
    [InlineData("schedule 'karras' is not one of", "--schedule", "karras", "--nfe", "5")]
    [InlineData("schedule must descend", "--schedule", "0.5,0.9,0.1", "--solver", "ddim", "--nfe", "3")]
    public void Generate_bad_input_exits_2_with_one_line(string expected, params string[] args)
    {
        var result = HsoProcess.Run(["generate", "--out", Path.Combine(_scratch.FullName, "x.png"), .. args]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Generate_width_not_a_multiple_of_8_is_a_clear_error()
    {
        var folder = Path.Combine(Root(), "tests", "fixtures", "tiny-sd");
        var result = HsoProcess.Run("generate", "--model", folder, "--prompt", "cat", "--nfe", "4", "--width", "60", "--out", Path.Combine(_scratch.FullName, "x.png"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("width must be a multiple of 8", result.Stderr);
    }

    [Fact]
    public void Evaluate_writes_json_markdown_and_plots()
    {
        var output = Path.Combine(_scratch.FullName, "report");
        var result = HsoProcess.Run(
            "evaluate", "--model", "digits16-ddpm", "--solvers", "ddim,unipc", "--nfe", "4,6", "--schedules", "uniform_t,uniform_lambda,hso-robust",
            "--n", "64", "--reference-samples", "4", "--reference-steps", "50", "--cache-dir", Path.Combine(_scratch.FullName, "cache"), "--out", output);

        Assert.Equal(0, result.ExitCode);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "report.json")));
        var rows = report.RootElement.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(2 * 2 * 3, rows.Length);
        foreach (var row in rows)
        {
            Assert.True(row.GetProperty("fd").GetDouble() > 0);
            Assert.True(row.GetProperty("rmse").GetDouble() > 0);
            Assert.True(row.GetProperty("mep").GetDouble() > 0);
            Assert.True(row.GetProperty("t").GetArrayLength() >= 4);
            Assert.Contains(row.GetProperty("schedule").GetString(), new[] { "uniform_t", "uniform_lambda", "hso-robust" });
        }

        var correlations = report.RootElement.GetProperty("correlations").EnumerateArray().ToArray();
        Assert.Equal(4, correlations.Length);
        Assert.All(correlations, c => Assert.InRange(c.GetProperty("spearman_mep_fd").GetDouble(), -1, 1));
        Assert.Contains("| ddim | 4 | uniform_t |", File.ReadAllText(Path.Combine(output, "report.md")));
        Assert.Equal(900, PngHeader(Path.Combine(output, "fd-unipc.png")).Width);
        Assert.True(File.Exists(Path.Combine(output, "fd-ddim.png")));
    }

    private static string Root() => HsoService.Tests.Shared.RepositoryRoot.Path;
}
