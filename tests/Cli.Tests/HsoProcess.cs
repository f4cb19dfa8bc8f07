using System.Diagnostics;

namespace HsoService.Cli.Tests;

/// <summary>Runs the built <c>hso</c> command (or a script that calls it) as a separate process, as a user would.</summary>
internal static class HsoProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>The built <c>hso.dll</c> next to the tests.</summary>
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "hso.dll");

    public static Result Run(params string[] args) => Start("dotnet", [Dll, .. args], null, null, TimeSpan.FromSeconds(120));

    /// <summary>Runs <paramref name="file"/> with its arguments and waits up to <paramref name="timeout"/>, then kills it.</summary>
    public static Result Start(string file, IEnumerable<string> args, string? workingDirectory, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        // Each run keeps what it measures in a data directory of its own unless the test names one (--data-dir, or
        // the variable), so no test reads another's schedules or the user's.
        DirectoryInfo? data = null;
        if (environment?.ContainsKey("Hso__DataDirectory") != true)
        {
            data = Directory.CreateTempSubdirectory("hso-cli-data-");
            start.Environment["Hso__DataDirectory"] = data.FullName;
        }

        try
        {
            return Wait(start, file, args, timeout);
        }
        finally
        {
            data?.Delete(recursive: true);
        }
    }

    private static Result Wait(ProcessStartInfo start, string file, IEnumerable<string> args, TimeSpan timeout)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout.TotalSeconds} s");
        }

        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
