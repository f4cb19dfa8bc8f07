using System.Text.RegularExpressions;

namespace HsoService.Tests.Shared;

/// <summary>The PromQL query of the autoscaler (deploy/k8s/generation-scaledobject.yaml), read as far as the tests need: its series and their label selectors.</summary>
internal static partial class AutoscalerQuery
{
    /// <summary>The metric names the query selects (a name followed by a label selector).</summary>
    public static IReadOnlyList<string> MetricNames(string query) =>
        [.. Series().Matches(query).Select(m => m.Groups["name"].Value).Distinct()];

    /// <summary>The label selectors of those series, as written between the braces.</summary>
    public static IReadOnlyList<string> Selectors(string query) =>
        [.. Series().Matches(query).Select(m => m.Groups["selector"].Value)];

    [GeneratedRegex(@"(?<name>[A-Za-z_:][A-Za-z0-9_:]*)\{(?<selector>[^}]*)\}")]
    private static partial Regex Series();
}
