using YamlDotNet.RepresentationModel;

namespace Cora.Cluster.Tests.Deploy;

/// <summary>The YAML files of deploy/kubernetes, parsed: every document of every file, with
/// helpers to walk them. Accessors throw (naming the file and the path) where a key is missing,
/// so a test that walks a broken manifest fails with a message rather than a null.</summary>
public sealed class KubernetesManifests
{
    public sealed record Resource(string File, YamlMappingNode Root)
    {
        public string Kind => Root.Text("kind");
        public string Name => Root.Map("metadata").Text("name");
    }

    private KubernetesManifests(string folder, IReadOnlyList<Resource> resources, YamlMappingNode kustomization)
    {
        Folder = folder;
        Resources = resources;
        Kustomization = kustomization;
    }

    public string Folder { get; }

    /// <summary>Every document of every file except kustomization.yaml.</summary>
    public IReadOnlyList<Resource> Resources { get; }

    public YamlMappingNode Kustomization { get; }

    public static KubernetesManifests Load(string folder)
    {
        var resources = new List<Resource>();
        YamlMappingNode? kustomization = null;
        foreach (var file in YamlFiles(folder))
        {
            foreach (var document in Parse(file))
            {
                if (document is not YamlMappingNode root)
                    throw new FormatException($"{file}: a document is not a mapping");
                if (Path.GetFileName(file) == "kustomization.yaml") kustomization = root;
                else resources.Add(new Resource(Path.GetFileName(file), root));
            }
        }
        return new KubernetesManifests(folder, resources, kustomization ?? throw new FileNotFoundException($"no kustomization.yaml in {folder}"));
    }

    public static IEnumerable<string> YamlFiles(string folder) =>
        Directory.EnumerateFiles(folder).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).Order();

    /// <summary>The documents of one file (YAML syntax errors throw, naming line and column).</summary>
    public static IReadOnlyList<YamlNode> Parse(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(file);
        stream.Load(reader);
        return [.. stream.Documents.Select(d => d.RootNode)];
    }

    public Resource Named(string kind, string name) =>
        Resources.SingleOrDefault(r => r.Kind == kind && r.Name == name)
        ?? throw new InvalidOperationException($"no {kind} named {name} in {Folder}");

    public IEnumerable<Resource> OfKind(string kind) => Resources.Where(r => r.Kind == kind);
}
