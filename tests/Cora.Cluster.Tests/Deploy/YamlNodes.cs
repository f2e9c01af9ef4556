using YamlDotNet.RepresentationModel;

namespace Cora.Cluster.Tests.Deploy;

/// <summary>Walking YAML nodes by key.</summary>
public static class YamlNodes
{
    public static YamlNode? Find(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static YamlMappingNode Map(this YamlMappingNode node, string key) =>
        node.Find(key) as YamlMappingNode ?? throw new KeyNotFoundException($"no mapping '{key}' at {node.Start}");

    public static YamlSequenceNode Seq(this YamlMappingNode node, string key) =>
        node.Find(key) as YamlSequenceNode ?? throw new KeyNotFoundException($"no list '{key}' at {node.Start}");

    public static string Text(this YamlMappingNode node, string key) =>
        (node.Find(key) as YamlScalarNode)?.Value ?? throw new KeyNotFoundException($"no value '{key}' at {node.Start}");

    public static string? TextOrNull(this YamlMappingNode node, string key) => (node.Find(key) as YamlScalarNode)?.Value;

    public static IEnumerable<YamlMappingNode> Maps(this YamlMappingNode node, string key) =>
        node.Find(key) is YamlSequenceNode seq ? seq.Children.OfType<YamlMappingNode>() : [];

    public static IReadOnlyList<string> Texts(this YamlMappingNode node, string key) =>
        node.Find(key) is YamlSequenceNode seq ? [.. seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "")] : [];
}
