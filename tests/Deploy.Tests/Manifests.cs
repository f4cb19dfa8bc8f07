using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace HsoService.Deploy.Tests;

/// <summary>The repository's deployment files, parsed.</summary>
internal static partial class Manifests
{
    public static string Root => HsoService.Tests.Shared.RepositoryRoot.Path;

    public static string Dockerfile => File.ReadAllText(Path.Combine(Root, "Dockerfile"));

    public static string Readme => File.ReadAllText(Path.Combine(Root, "README.md"));

    /// <summary>Every YAML document under deploy/k8s.</summary>
    public static IReadOnlyList<YamlMappingNode> Kubernetes { get; } = LoadKubernetes();

    public static YamlMappingNode Compose { get; } = Load(Path.Combine(Root, "docker-compose.yml")).Single();

    public static YamlMappingNode Kind(string kind, string name) =>
        Kubernetes.Single(d => Text(d, "kind") == kind && Text(Node(d, "metadata"), "name") == name);

    public static YamlNode Node(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            node = ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        }

        return node;
    }

    public static string? Text(YamlNode node, params string[] path) => ((YamlScalarNode)Node(node, path)).Value;

    /// <summary>The scalars of a sequence (empty when the key is absent).</summary>
    public static IReadOnlyList<string> Sequence(YamlNode node, params string[] path)
    {
        try
        {
            return [.. ((YamlSequenceNode)Node(node, path)).Children.Cast<YamlScalarNode>().Select(n => n.Value!)];
        }
        catch (KeyNotFoundException)
        {
            return [];
        }
    }

    public static YamlMappingNode Container(YamlMappingNode deployment) =>
        (YamlMappingNode)((YamlSequenceNode)Node(deployment, "spec", "template", "spec", "containers")).Children.Single();

    /// <summary>The stage names of the Dockerfile (FROM ... AS name).</summary>
    public static IReadOnlyList<string> DockerStages => [.. StagePattern().Matches(Dockerfile).Select(m => m.Groups[1].Value)];

    /// <summary>The ports the Dockerfile exposes.</summary>
    public static IReadOnlyList<int> DockerPorts => [.. ExposePattern().Matches(Dockerfile).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct()];

    private static List<YamlMappingNode> LoadKubernetes() =>
        [.. Directory.EnumerateFiles(Path.Combine(Root, "deploy", "k8s"), "*.yaml").Order(StringComparer.Ordinal).SelectMany(Load)];

    private static IEnumerable<YamlMappingNode> Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode);
    }

    [GeneratedRegex(@"^FROM\s+\S+\s+AS\s+(\S+)", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex StagePattern();

    [GeneratedRegex(@"^EXPOSE\s+(\d+)", RegexOptions.Multiline)]
    private static partial Regex ExposePattern();
}
