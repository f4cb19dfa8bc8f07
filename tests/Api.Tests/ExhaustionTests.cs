using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace HsoService.Api.Tests;

/// <summary>
/// The embedded store under exhaustion and corruption, against the service's own process: a real full disk (a 1 MiB
/// tmpfs; the tests run as root), a second instance on the same data directory, and journal entries and schedule
/// files that cannot be used, found at start.
/// </summary>
public sealed class ExhaustionTests(ITestOutputHelper output)
{
    private const string Model = "digits16-ddpm";

    [Fact]
    public async Task A_full_disk_fails_each_write_with_503_counts_nothing_keeps_serving_recovers_and_a_restart_on_it_serves()
    {
        using var disk = SmallDisk.Mount();
        var settings = new Dictionary<string, string> { ["Hso:Worker:MaxActivePerClient"] = "2" };
        using (var service = await ServiceProcess.StartAsync(disk.Path, settings))
        {
            var client = service.Client;
            var first = await client.PostJsonAsync("/schedules", Robust(4));
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            Assert.Equal("succeeded", (await client.WaitForJobAsync(first.Headers.Location!.ToString())).GetProperty("status").GetString());

            var filled = disk.Fill();
            output.WriteLine($"filled the disk with {filled / 1024} KiB");

            // Three refusals, more than the client's limit of two: each 503 with Retry-After naming the store, none counted.
            for (var nfe = 5; nfe <= 7; nfe++)
            {
                // Topped up first: the finished first job's journal may free a page after the fill (seen once under load).
                disk.Fill();
                using var refused = await client.PostJsonAsync("/schedules", Robust(nfe));
                var problem = await refused.JsonAsync();
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.NotNull(refused.Headers.RetryAfter);
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                Assert.StartsWith("the embedded store could not write job ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
                Assert.DoesNotContain(disk.Path, problem.GetRawText(), StringComparison.Ordinal);
            }

            Assert.Empty(Directory.EnumerateFiles(disk.Path, "*.tmp", SearchOption.AllDirectories));

            // What needs no write still serves: a cached schedule, auto on an uncached key (the family default), health.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/schedules/{Model}/4?solver=unipc&mode=robust")).StatusCode);
            using var generated = await client.PostJsonAsync("/generate", new { model = Model, nfe = 6, solver = "unipc", class_label = 3 });
            Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
            Assert.Equal("family-default:store-unavailable", generated.Headers.GetValues("X-Hso-Schedule-Source").Single());
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
            Assert.False(service.HasExited);

            // Space back: the next request is accepted (the refusals counted nothing against the limit) and runs.
            disk.Free();
            var accepted = await client.PostJsonAsync("/schedules", Robust(5));
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            Assert.Equal("succeeded", (await client.WaitForJobAsync(accepted.Headers.Location!.ToString())).GetProperty("status").GetString());

            disk.Fill();
            Assert.Equal(0, await service.TerminateAsync());
        }

        // Started on the full disk, it serves what it has and refuses only what needs a write.
        using var restarted = await ServiceProcess.StartAsync(disk.Path, settings);
        Assert.Equal(HttpStatusCode.OK, (await restarted.Client.GetAsync($"/schedules/{Model}/5?solver=unipc&mode=robust")).StatusCode);
        using var family = await restarted.Client.PostJsonAsync("/generate", new { model = Model, nfe = 5, solver = "unipc", schedule = "edm", class_label = 1 });
        Assert.Equal(HttpStatusCode.OK, family.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await restarted.Client.PostJsonAsync("/schedules", Robust(8))).StatusCode);
        disk.Free();
        Assert.Equal(HttpStatusCode.Accepted, (await restarted.Client.PostJsonAsync("/schedules", Robust(8))).StatusCode);
    }

    [Fact]
    public async Task A_second_instance_on_the_same_data_directory_refuses_to_start_with_one_line()
    {
        var data = Directory.CreateTempSubdirectory("hso-owner-").FullName;
        using (var first = await ServiceProcess.StartAsync(data, new Dictionary<string, string>()))
        {
            var (code, errors) = await ServiceProcess.RunToExitAsync(data, new Dictionary<string, string>());
            Assert.Equal(1, code);
            var line = Assert.Single(errors);
            Assert.Equal(
                $"hso: configuration error: Hso:DataDirectory {data} is in use by another instance (it holds hso.lock); give each instance a data directory of its own, or share schedules and jobs through Redis (ConnectionStrings:Redis)",
                line);

            // The owner goes on as before.
            Assert.Equal(HttpStatusCode.Accepted, (await first.Client.PostJsonAsync("/schedules", Robust(4))).StatusCode);
            Assert.Equal(0, await first.TerminateAsync());
        }

        // Once the owner has stopped, the directory is free.
        using var next = await ServiceProcess.StartAsync(data, new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.OK, (await next.Client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Unreadable_journal_entries_and_corrupt_schedules_found_at_start_are_the_stores_fault_never_the_clients()
    {
        var data = Directory.CreateTempSubdirectory("hso-corrupt-").FullName;
        using (var first = await ServiceProcess.StartAsync(data, new Dictionary<string, string>()))
        {
            var accepted = await first.Client.PostJsonAsync("/schedules", Robust(4));
            Assert.Equal("succeeded", (await first.Client.WaitForJobAsync(accepted.Headers.Location!.ToString())).GetProperty("status").GetString());
            Assert.Equal(0, await first.TerminateAsync());
        }

        var jobs = Path.Combine(data, "jobs");
        File.CreateSymbolicLink(Path.Combine(jobs, "0123456789abcdef0123456789abcdef.json"), Path.Combine(jobs, "0123456789abcdef0123456789abcdef.json"));
        await File.WriteAllTextAsync(Path.Combine(jobs, "notajob.json"), "{\"job\": {\"id\": \"../../etc/passwd\", \"key\": \"x\"}}");
        await File.WriteAllTextAsync(Path.Combine(jobs, "broken.json"), "{\"job\": ");
        var schedules = Path.Combine(data, "schedules", Model);
        await File.WriteAllTextAsync(Path.Combine(schedules, "unipc:5:robust.json"), "{\"t\": [0.9, ");
        await File.WriteAllTextAsync(Path.Combine(schedules, "unipc:6:robust.json"), "{}");
        File.Copy(Path.Combine(schedules, "unipc:4:robust.json"), Path.Combine(schedules, "unipc:9:robust.json"));
        await File.WriteAllTextAsync(Path.Combine(schedules, "unipc:5:validated.json"), "[1, 2]");
        await File.WriteAllTextAsync(Path.Combine(schedules, "unipc:5:selected.json"), "{\"t\": \"x\"}");

        using var service = await ServiceProcess.StartAsync(data, new Dictionary<string, string>());
        var client = service.Client;
        foreach (var nfe in new[] { 5, 6, 9 })
        {
            using var read = await client.GetAsync($"/schedules/{Model}/{nfe}?solver=unipc&mode=robust");
            var problem = await read.JsonAsync();
            Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
            Assert.False(problem.TryGetProperty("errors", out _), $"a client field was blamed: {problem}");
            Assert.StartsWith($"the schedule store's record for {Model}:unipc:{nfe}:robust is unreadable (", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("HsoService.", problem.GetRawText(), StringComparison.Ordinal);
        }

        // The listing serves what it can read and names what it skipped.
        var listing = await (await client.GetAsync($"/schedules/{Model}")).JsonAsync();
        Assert.Equal([$"{Model}:unipc:4:robust"], listing.GetProperty("schedules").EnumerateArray().Select(s => s.GetProperty("key").GetString()));
        Assert.Equal(
            [$"{Model}:unipc:5:robust", $"{Model}:unipc:5:selected", $"{Model}:unipc:5:validated", $"{Model}:unipc:6:robust", $"{Model}:unipc:9:robust"],
            listing.GetProperty("unreadable_keys").EnumerateArray().Select(k => k.GetString()));

        // POST /schedules repairs a corrupt key: nfe 9 holds 9 steps again.
        var repair = await client.PostJsonAsync("/schedules", Robust(9));
        Assert.Equal(HttpStatusCode.Accepted, repair.StatusCode);
        Assert.Equal("succeeded", (await client.WaitForJobAsync(repair.Headers.Location!.ToString())).GetProperty("status").GetString());
        var repaired = await (await client.GetAsync($"/schedules/{Model}/9?solver=unipc&mode=robust")).JsonAsync();
        Assert.Equal(9, repaired.GetProperty("nfe").GetInt32());
        Assert.Equal(10, repaired.GetProperty("t").GetArrayLength());

        // A valid generation whose auto keys are corrupt gets the family default while the selection is measured again.
        using var generated = await client.PostJsonAsync("/generate", new { model = Model, nfe = 5, solver = "unipc", class_label = 2 });
        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        Assert.Equal("family-default:selection-pending", generated.Headers.GetValues("X-Hso-Schedule-Source").Single());

        // That selection reads the key's cached HSO schedules as candidates; the corrupt robust one is left out, not fatal.
        var selection = await client.PostJsonAsync("/schedules", new { model = Model, nfe = 5, solver = "unipc", mode = "selected" });
        Assert.Equal("succeeded", (await client.WaitForJobAsync(selection.Headers.Location!.ToString(), 300)).GetProperty("status").GetString());
        using var measured = await client.PostJsonAsync("/generate", new { model = Model, nfe = 5, solver = "unipc", class_label = 2 });
        Assert.Equal("selected", measured.Headers.GetValues("X-Hso-Schedule-Source").Single());

        // Each was logged as the store's, naming the record.
        Assert.Contains(service.Output, l => l.Contains($"Unreadable schedule record {Model}:unipc:5:robust in the schedule store skipped: its value is not a schedule's JSON", StringComparison.Ordinal));
        await Eventually.Until(() => service.Output.Any(l => l.Contains($"Unreadable schedule record {Model}:unipc:6:robust in the schedule store", StringComparison.Ordinal)), "no log line for the corrupt schedule", 10);
        Assert.Contains(service.Output, l => l.Contains("Unreadable job record broken.json in the job journal store", StringComparison.Ordinal));
        Assert.Contains(service.Output, l => l.Contains("Unreadable job record notajob.json in the job journal store", StringComparison.Ordinal));
    }

    private static object Robust(int nfe) => new { model = Model, nfe, solver = "unipc", mode = "robust" };

    /// <summary>A 1 MiB tmpfs mounted for one test (the tests run as root), filled and freed on demand.</summary>
    private sealed class SmallDisk : IDisposable
    {
        private SmallDisk(string path) => Path = path;

        public string Path { get; }

        private string Filler => System.IO.Path.Combine(Path, "filler");

        public static SmallDisk Mount()
        {
            var path = Directory.CreateTempSubdirectory("hso-full-").FullName;
            var (code, text) = Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", path);
            Assert.True(code == 0, $"the full-disk test needs a 1 MiB tmpfs and root (mount -t tmpfs -o size=1m tmpfs {path}), and mount failed with {code}: {text}");
            return new SmallDisk(path);
        }

        /// <summary>Writes a filler file until the disk refuses more; returns its size in bytes.</summary>
        public long Fill()
        {
            var chunk = new byte[4096];
            using var file = new FileStream(Filler, FileMode.Append, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            try
            {
                while (true)
                {
                    file.Write(chunk);
                    file.Flush();
                }
            }
            catch (IOException)
            {
                // Full.
            }

            var size = file.Length;
            Assert.True(new DriveInfo(Path).AvailableFreeSpace < 4096, "the disk was not full after filling it");
            return size;
        }

        public void Free() => File.Delete(Filler);

        public void Dispose() => Run("umount", "-l", Path);

        private static (int Code, string Text) Run(string command, params string[] arguments)
        {
            using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var text = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, text.Trim());
        }
    }
}
