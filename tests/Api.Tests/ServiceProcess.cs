using System.Collections.Concurrent;
using System.Diagnostics;

namespace HsoService.Api.Tests;

/// <summary>
/// The service as an operator runs it: its own process (the build under test, Release in CI) on a loopback port, with
/// settings as environment variables. It can be sent SIGTERM, as docker and Kubernetes stop it.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;

    private ServiceProcess(Process process, Uri address, ConcurrentQueue<string> output)
    {
        _process = process;
        _output = output;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Client { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the process wrote to stdout and stderr so far (its log, at the settings' level), line by line.</summary>
    public IReadOnlyList<string> Output => [.. _output];

    /// <summary>
    /// Starts the service as <see cref="StartAsync"/> does and waits for it to exit by itself (a start-up error);
    /// returns its exit code and what it wrote to stderr. Fails when it is still running after the time given.
    /// </summary>
    public static async Task<(int ExitCode, IReadOnlyList<string> Errors)> RunToExitAsync(string dataDirectory, IDictionary<string, string> settings, int seconds = 60)
    {
        var errors = new ConcurrentQueue<string>();
        using var process = Start(dataDirectory, settings, RedisServer.FreePort(), new ConcurrentQueue<string>(), errors);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the service was still running after {seconds} s; it was expected to stop at start");
        }

        process.WaitForExit();
        return (process.ExitCode, [.. errors]);
    }

    /// <summary>Starts the service with the tests' models, a data directory and the given settings (configuration keys), and waits until it is live.</summary>
    public static async Task<ServiceProcess> StartAsync(string dataDirectory, IDictionary<string, string> settings)
    {
        var port = RedisServer.FreePort();
        var output = new ConcurrentQueue<string>();
        var process = Start(dataDirectory, settings, port, output, output);
        var service = new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}"), output);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(process.HasExited, $"the service exited at start with code {(process.HasExited ? process.ExitCode : 0)}: {string.Join(" | ", output.TakeLast(5))}");
            try
            {
                if ((await service.Client.GetAsync("/health/live")).IsSuccessStatusCode)
                {
                    return service;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(DateTime.UtcNow < deadline, "the service did not become live within 60 s");
            await Task.Delay(100);
        }
    }

    private static Process Start(string dataDirectory, IDictionary<string, string> settings, int port, ConcurrentQueue<string> output, ConcurrentQueue<string> errors)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "HsoService.Api.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
        };
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Hso:DataDirectory"] = dataDirectory,
            ["Hso:Models:digits16-ddpm:Path"] = Path.Combine(Repository.Root, "models", "digits16-ddpm"),
            ["Hso:RateLimit:PermitsPerWindow"] = "1000000",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } text)
            {
                output.Enqueue(text);
            }
        };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is { } text)
            {
                errors.Enqueue(text);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Resident memory of the process in MiB (Linux /proc).</summary>
    public double ResidentMiB()
    {
        var line = File.ReadLines($"/proc/{Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>Sends SIGTERM and waits for the process to end; returns its exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10000);
        }

        _process.Dispose();
        Client.Dispose();
    }
}
