namespace Cora.Cluster.Tests.Deploy;

/// <summary>Paths of the repository's deployment files (<c>deploy/</c>, the repository root).</summary>
public static class DeployFiles
{
    public static string Deploy(params string[] parts) => Path.Combine([Fixtures.Repository, "deploy", .. parts]);

    public static string Repository(params string[] parts) => Path.Combine([Fixtures.Repository, .. parts]);

    /// <summary>The value after each occurrence of <paramref name="flag"/> in an argument list.</summary>
    public static IReadOnlyList<string> ValuesOf(IReadOnlyList<string> args, string flag) =>
        [.. args.Select((arg, i) => (arg, i)).Where(a => a.arg == flag && a.i + 1 < args.Count).Select(a => args[a.i + 1])];
}
