using HsoService.Inference.Models;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Hosting;

/// <summary>
/// Words a failure to start that the operator can fix (a setting out of range, a model folder missing, a value of the
/// wrong type) as one line per problem, for Program to print before it exits with code 1; null for anything else.
/// </summary>
public static class StartupError
{
    public static IReadOnlyList<string>? Describe(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Describe(aggregate.InnerExceptions[0]),
        OptionsValidationException validation => [.. validation.Failures],
        ModelLoadException load => [load.Message],
        // The configuration binder's "Failed to convert configuration value at 'Hso:X' to type 'System.Int32'".
        InvalidOperationException { Message: var message } when message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) =>
            [message.Replace("to type 'System.Int32'", "to an integer", StringComparison.Ordinal)
                .Replace("to type 'System.Int64'", "to an integer", StringComparison.Ordinal)
                .Replace("to type 'System.Boolean'", "to true or false", StringComparison.Ordinal)],
        _ => null,
    };
}
