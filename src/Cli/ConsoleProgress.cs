using Spectre.Console;

namespace HsoService.Cli;

/// <summary>
/// Long work shows a progress bar on stderr when it is a terminal, and nothing when it is redirected, so stdout stays
/// clean for <c>--json</c> and pipes.
/// </summary>
internal static class ConsoleProgress
{
    public static T Run<T>(string description, double total, Func<Action<double>, T> work)
    {
        if (Console.IsErrorRedirected)
        {
            return work(_ => { });
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
}
