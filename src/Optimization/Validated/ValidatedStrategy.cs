namespace HsoService.Optimization.Validated;

/// <summary>How a validated search finds the schedule it then confirms against the best family.</summary>
public enum ValidatedStrategy
{
    /// <summary>
    /// GITS-style (Chen et al., ICML 2024): teacher trajectories on a fine grid of trained steps, the error of every
    /// one-step jump between grid points measured on them, and dynamic programming for the NFE-step path of least
    /// total error. The cost is the teacher run; the program itself evaluates nothing.
    /// </summary>
    Trajectory,

    /// <summary>
    /// LD3-style (Tong et al., ICLR 2025): the schedule's interior points moved by Nelder-Mead so that the student's
    /// samples match the teacher's end points from the same noise in the feature extractor's space, where blur costs.
    /// </summary>
    Teacher,

    /// <summary>
    /// The FD search's two levels (the initialisation rho, eps, T_max of the better parametric family, then the interior
    /// points) on one small draw for a few dozen measurements: about a twentieth of the search's cost, confirmed on the
    /// other draws.
    /// </summary>
    Refine,

    /// <summary>The FD search as first built: hundreds of FD measurements on K calibration samples (about 20 times the cost).</summary>
    Search,
}

/// <summary>The names of <see cref="ValidatedStrategy"/> used in requests, configuration, the command line and results.</summary>
public static class ValidatedStrategies
{
    // The one list of names, in the order of the enum's values.
    private static readonly string[] All = ["trajectory", "teacher", "refine", "search"];

    /// <summary>The strategy a validated search runs when none is asked for (docs/evaluation/strategies).</summary>
    public const ValidatedStrategy Default = ValidatedStrategy.Refine;

    /// <summary>Every strategy's name.</summary>
    public static IReadOnlyList<string> Names => All;

    /// <summary>The strategy's name: <c>trajectory</c>, <c>teacher</c>, <c>refine</c> or <c>search</c>.</summary>
    public static string Name(this ValidatedStrategy strategy) => All[(int)strategy];

    /// <summary>Reads a strategy by name, case and surrounding spaces ignored; false when the text names none.</summary>
    public static bool TryParse(string? text, out ValidatedStrategy strategy)
    {
        var index = Array.IndexOf(All, text?.Trim().ToLowerInvariant());
        strategy = index >= 0 ? (ValidatedStrategy)index : default;
        return index >= 0;
    }

    /// <summary>Reads a strategy by name as <see cref="TryParse"/> does; a clear error names the field otherwise.</summary>
    public static ValidatedStrategy Parse(string? text, string field = "strategy") =>
        TryParse(text, out var strategy)
            ? strategy
            : throw new HsoArgumentException($"{field} must be one of {string.Join(", ", Names)}, got '{text}'", field);
}
