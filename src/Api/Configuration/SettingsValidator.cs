using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Configuration;

/// <summary>
/// Checks every setting's attributes at start, nested sections included, and words each failure as an operator reads
/// it: the setting's full configuration path, the value given and what is allowed
/// (<c>Hso:RateLimit:PermitsPerWindow is 1000000000; allowed: 1..1000000</c>).
/// </summary>
public sealed class SettingsValidator : IValidateOptions<HsoServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, HsoServiceOptions options)
    {
        var failures = new List<string>();
        Check(options, HsoServiceOptions.Section, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(object section, string path, List<string> failures)
    {
        foreach (var property in section.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = property.GetValue(section);
            var setting = $"{path}:{property.Name}";
            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>())
            {
                var context = new ValidationContext(section) { MemberName = property.Name, DisplayName = property.Name };
                if (attribute.GetValidationResult(value, context) is { } result && result != ValidationResult.Success)
                {
                    failures.Add(Describe(setting, value, attribute, result));
                }
            }

            if (property.IsDefined(typeof(ValidateObjectMembersAttribute)) && value is not null and not IEnumerable)
            {
                Check(value, setting, failures);
            }
        }
    }

    private static string Describe(string setting, object? value, ValidationAttribute attribute, ValidationResult result) => attribute switch
    {
        RangeAttribute range => $"{setting} is {Format(value)}; allowed: {Format(range.Minimum)}..{Format(range.Maximum)}",
        RequiredAttribute => $"{setting} is empty; it is required",
        _ => result.ErrorMessage ?? $"{setting} is {Format(value)}, which is not allowed",
    };

    private static string Format(object? value) => value switch
    {
        null => "empty",
        long.MaxValue => "9223372036854775807",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => $"'{value}'",
    };
}
