using System.ComponentModel.DataAnnotations;
using HsoService.Optimization.Validated;

namespace HsoService.Api.Configuration;

/// <summary>
/// Checks at start-up that a setting names a confirmation rule, read as the CLI reads it (case and spaces ignored), and
/// refuses with the setting, the value it was given and the allowed names.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConfirmationRuleAttribute(string setting) : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        ConfirmationRules.TryParse(value as string, out _)
            ? ValidationResult.Success
            : new ValidationResult(
                $"{setting} is '{value}'; it must be one of {string.Join(", ", ConfirmationRules.Names)} (case ignored)",
                validationContext.MemberName is { } member ? [member] : null);
}
