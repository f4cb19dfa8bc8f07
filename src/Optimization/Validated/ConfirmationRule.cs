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
    /// <summary>Every rule's name.</summary>
    public static IReadOnlyList<string> Names { get; } = ["mean", "every-draw"];

    /// <summary>The rule's name: <c>mean</c> or <c>every-draw</c>.</summary>
    public static string Name(this ConfirmationRule rule) => rule == ConfirmationRule.Mean ? "mean" : "every-draw";

    /// <summary>Reads a rule by name (case and surrounding spaces ignored); a clear error names the field otherwise.</summary>
    public static ConfirmationRule Parse(string? text, string field = "confirmation_rule") =>
        text?.Trim().ToLowerInvariant() switch
        {
            "mean" => ConfirmationRule.Mean,
            "every-draw" => ConfirmationRule.EveryDraw,
            _ => throw new HsoArgumentException($"{field} must be one of {string.Join(", ", Names)}, got '{text}'", field),
        };
}
