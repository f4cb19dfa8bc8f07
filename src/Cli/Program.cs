using System.CommandLine;
using HsoService.Cli;

// hso: thin verbs over the libraries. Exit codes: 0 success, 2 bad arguments (one line on stderr), 1 anything else
// (unreadable files, unusable models), also with one line on stderr.
var root = new RootCommand("HSO schedule optimizer: few-step diffusion sampling schedules from a model's noise schedule")
{
    OptimizeCommand.Create(),
    ScheduleCommand.Create(),
    GenerateCommand.Create(),
    EvaluateCommand.Create(),
    ReferenceStatsCommand.Create(),
    ReportCommand.Create(),
};

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // One line, each message once, without .NET type names ("as expected type 'System.Int32'").
    var messages = parsed.Errors.Select(e => string.Join(' ', e.Message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)).TrimEnd('.'))
        .Select(m => System.Text.RegularExpressions.Regex.Replace(m, "as expected type 'System\\.(Int32|Int64)'", "as an integer"))
        .Select(m => System.Text.RegularExpressions.Regex.Replace(m, "as expected type 'System\\.Double'", "as a number"))
        .Distinct()
        .Where(m => m != "Required command was not provided");
    var message = string.Join("; ", messages);
    var verb = parsed.CommandResult.Command == root ? "" : $" {parsed.CommandResult.Command.Name}";
    Console.Error.WriteLine($"error: {message} (see hso{verb} --help)");
    return 2;
}

try
{
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
    return 2;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or HsoService.Inference.Models.ModelLoadException or InvalidDataException)
{
    Console.Error.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
    return 1;
}
