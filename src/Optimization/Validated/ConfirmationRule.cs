namespace HsoService.Optimization.Validated;

/// <summary>How a validated search chooses among its finalists once they are measured on the confirmation draws.</summary>
public enum ConfirmationRule
{
    /// <summary>The lowest mean score over the draws wins: the best expected quality.</summary>
    Mean,

    /// <summary>
    /// A searched schedule (upper or lower level) may win only if it scores below the best candidate finalist (the
    /// training-free family or HSO schedule with the lowest mean) on every draw; otherwise that candidate wins. It
    /// gives up gains that only some draws show, for a lower chance of being worse than the family on a held-out draw.
    /// </summary>
    EveryDraw,
}

/// <summary>The names of <see cref="ConfirmationRule"/> used in configuration, on the command line and in results.</summary>
public static class ConfirmationRules
{
    // The one list of names, in the order of the enum's values.
    private static readonly string[] All = ["mean", "every-draw"];

    /// <summary>Every rule's name.</summary>
    public static IReadOnlyList<string> Names => All;

    /// <summary>The rule's name: <c>mean</c> or <c>every-draw</c>.</summary>
    public static string Name(this ConfirmationRule rule) => All[(int)rule];

    /// <summary>Reads a rule by name, case and surrounding spaces ignored; false when the text names no rule.</summary>
    public static bool TryParse(string? text, out ConfirmationRule rule)
    {
        var index = Array.IndexOf(All, text?.Trim().ToLowerInvariant());
        rule = index >= 0 ? (ConfirmationRule)index : default;
        return index >= 0;
    }

    /// <summary>Reads a rule by name as <see cref="TryParse"/> does; a clear error names the field otherwise.</summary>
    public static ConfirmationRule Parse(string? text, string field = "confirmation_rule") =>
        TryParse(text, out var rule)
            ? rule
            : throw new HsoArgumentException($"{field} must be one of {string.Join(", ", Names)}, got '{text}'", field);
}
