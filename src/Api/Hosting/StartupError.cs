using HsoService.Inference.Models;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Hosting;

/// <summary>
/// Words a failure to start that the operator can fix (a setting out of range, a model folder missing, a value of the
/// wrong type, a data directory another instance holds) as one line per problem, for Program to print before it exits with code 1; null for anything else.
/// </summary>
public static partial class StartupError
{
    // The configuration binder's "Failed to convert configuration value 'x' at 'Hso:Role' to type 'HsoService.Api.Configuration.ServiceRole'."
    [System.Text.RegularExpressions.GeneratedRegex("^Failed to convert configuration value '(?<value>.*)' at '(?<setting>[^']+)' to type '(?<type>[^']+)'")]
    private static partial System.Text.RegularExpressions.Regex ConversionFailure();

    // " in MIN..MAX" when the setting declares a range.
    private static string RangeOf(string setting)
    {
        var type = typeof(Configuration.HsoServiceOptions);
        System.Reflection.PropertyInfo? property = null;
        foreach (var segment in setting.Split(':').Skip(1))
        {
            property = type.GetProperty(segment, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
            if (property is null)
            {
                return "";
            }

            type = property.PropertyType;
        }

        return property?.GetCustomAttributes(typeof(System.ComponentModel.DataAnnotations.RangeAttribute), true).FirstOrDefault() is System.ComponentModel.DataAnnotations.RangeAttribute range
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" in {range.Minimum}..{range.Maximum}")
            : "";
    }

    private static string Allowed(string type) => type switch
    {
        "System.Int32" or "System.Int64" => "an integer",
        "System.Double" => "a number",
        "System.Boolean" => "true or false",
        _ when AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(type)).FirstOrDefault(t => t is not null) is { IsEnum: true } e =>
            $"one of {string.Join(", ", Enum.GetNames(e))} (case ignored)",
        _ => "a value of the setting's type",
    };

    public static IReadOnlyList<string>? Describe(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Describe(aggregate.InnerExceptions[0]),
        OptionsValidationException validation => [.. validation.Failures],
        ModelLoadException load => [load.Message],
        Stores.DataDirectoryInUseException inUse => [inUse.Message],
        // The configuration binder's "Failed to convert configuration value at 'Hso:X' to type 'System.Int32'".
        InvalidOperationException { Message: var message } when ConversionFailure().Match(message) is { Success: true } failure =>
            [$"{failure.Groups["setting"].Value} is '{failure.Groups["value"].Value}'; allowed: {Allowed(failure.Groups["type"].Value)}{RangeOf(failure.Groups["setting"].Value)}"],
        _ => null,
    };
}
