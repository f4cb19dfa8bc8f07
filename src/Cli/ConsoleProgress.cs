using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace HsoService.Cli;

/// <summary>
/// Long work reports its progress on stderr, so stdout stays clean for <c>--json</c> and pipes: a progress bar when
/// stderr is a terminal, and plain lines when it is not (a log, a CI job, a pipe), one per tenth done with the time
/// spent and an estimate of the time left.
/// </summary>
internal static class ConsoleProgress
{
    public static T Run<T>(string description, double total, Func<Action<double>, T> work)
    {
        if (Console.IsErrorRedirected)
        {
            return Plain(description, Math.Max(total, 1), work, Console.Error);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(total, 1));
                var result = work(done => task.Value = Math.Min(done, task.MaxValue));
                task.Value = task.MaxValue;
                return result;
            });
    }

    internal static T Plain<T>(string description, double total, Func<Action<double>, T> work, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        var tenths = 0;
        var result = work(done =>
        {
            var fraction = Math.Clamp(done / total, 0, 1);
            var reached = (int)Math.Floor(fraction * 10);
            if (reached <= tenths || reached >= 10)
            {
                return;
            }

            tenths = reached;
            var spent = clock.Elapsed.TotalSeconds;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{description}: {reached * 10}% after {spent:F1} s, about {spent * (1 - fraction) / fraction:F1} s left"));
        });
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{description}: done in {clock.Elapsed.TotalSeconds:F1} s"));
        return result;
    }
}
