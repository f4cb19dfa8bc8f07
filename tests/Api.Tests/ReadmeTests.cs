using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace HsoService.Api.Tests;

/// <summary>The README is a user's guide: its run command works as written, and its diffusers snippet reads fields the service sends.</summary>
public sealed partial class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

    /// <summary>The fenced blocks of a section of the README, in order.</summary>
    private static List<string> Blocks(string section, string language)
    {
        var start = Readme.IndexOf($"\n## {section}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section '{section}'");
        var end = Readme.IndexOf("\n## ", start + 4, StringComparison.Ordinal);
        var text = Readme[start..(end < 0 ? Readme.Length : end)];
        return [.. Regex.Matches(text, $"```{language}\\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value.Trim())];
    }

    [Fact]
    public void The_readme_is_a_guide_of_at_most_250_lines_in_the_agreed_order()
    {
        var lines = Readme.Split('\n').Length;
        Assert.InRange(lines, 50, 250);
        var sections = Regex.Matches(Readme, "^## (.+)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value.Trim()).ToArray();
        Assert.Equal(["Quick start", "API", "Configuration", "Deployment", "How it is built"], sections);
    }

    [Fact]
    public async Task The_run_command_of_the_quick_start_serves_on_the_port_it_names()
    {
        var command = Blocks("Quick start", "sh")[0];
        Assert.Equal("dotnet run -c Release --project src/Api", command);
        var start = new ProcessStartInfo("bash", ["-c", $"exec {command}"])
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["Hso__DataDirectory"] = Directory.CreateTempSubdirectory("hso-readme-").FullName;
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddSeconds(240);
            HttpStatusCode? status = null;
            while (DateTime.UtcNow < deadline && !process.HasExited)
            {
                try
                {
                    status = (await client.GetAsync("http://localhost:5080/health/ready")).StatusCode;
                    if (status == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // Still building or starting.
                }

                await Task.Delay(500);
            }

            Assert.True(status == HttpStatusCode.OK, $"no ready answer on port 5080 (last: {status}); output:\n{output}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task The_diffusers_snippet_reads_fields_the_schedule_answer_carries()
    {
        var snippet = Blocks("API", "python").Single();
        var keys = Regex.Matches(snippet, "s\\[\"([a-z_]+)\"\\]").Select(m => m.Groups[1].Value).Distinct().ToArray();
        Assert.Equal(["final_sigmas_type", "timesteps"], keys.Order());
        Assert.Contains(".json()[\"diffusers\"]", snippet, StringComparison.Ordinal);
        Assert.Contains("api = \"http://localhost:5080\"", snippet, StringComparison.Ordinal);
        Assert.Contains("requests.get(f\"{api}/schedules/sd15/8\", params={\"solver\": \"dpmpp2m\", \"mode\": \"robust\"})", snippet, StringComparison.Ordinal);

        // The same request against a served model: the fields the snippet reads are there, one timestep per evaluation.
        using var factory = new ServiceFactory();
        var client = factory.CreateClient();
        var job = await client.PostJsonAsync("/schedules", new { model = "tiny-sd", nfe = 8, solver = "dpmpp2m", mode = "robust" });
        Assert.Equal(HttpStatusCode.Accepted, job.StatusCode);
        await client.WaitForJobAsync(job.Headers.Location!.ToString());
        var diffusers = (await (await client.GetAsync("/schedules/tiny-sd/8?solver=dpmpp2m&mode=robust")).JsonAsync()).GetProperty("diffusers");
        Assert.Equal(8, diffusers.GetProperty("timesteps").GetArrayLength());
        Assert.Equal("zero", diffusers.GetProperty("final_sigmas_type").GetString());
        Assert.Equal("DPMSolverMultistepScheduler", diffusers.GetProperty("scheduler").GetString());
    }
}
