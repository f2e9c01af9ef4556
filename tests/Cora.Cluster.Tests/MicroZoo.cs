using Cora.Training.Zoo;

namespace Cora.Cluster.Tests;

/// <summary>One micro zoo, made through the CLI once for every test class that needs it.</summary>
public sealed class MicroZoo : IDisposable
{
    private readonly TempDirectory _temp = new();

    public MicroZoo()
    {
        First = Cli.Invoke("zoo", "make", "--preset", "micro", "--out", Directory, "--seed", "0");
        Manifest = ZooManifest.TryLoad(Directory);
    }

    public string Directory => _temp.Path;
    public Cli.Run First { get; }
    public ZooManifest? Manifest { get; }

    /// <summary>The shipped smoke grid with its zoo pointed here, written to <paramref name="path"/>.</summary>
    public string SmokeGrid(string path)
    {
        var text = File.ReadAllText(Path.Combine(Fixtures.Repository, "hocon", "grids", "smoke.conf"));
        Assert.Contains("zoo = \"zoo/micro\"", text);
        File.WriteAllText(path, text
            .Replace("zoo = \"zoo/micro\"", $"zoo = {System.Text.Json.JsonSerializer.Serialize(Directory)}", StringComparison.Ordinal)
            .Replace("zoo = ${?CORA_ZOO}", "", StringComparison.Ordinal));
        return path;
    }

    public void Dispose() => _temp.Dispose();
}

/// <summary>Tests that run trials: one micro zoo, and one PostgreSQL server for the cluster tests' journals.</summary>
[CollectionDefinition(Name)]
public sealed class MicroZooGroup : ICollectionFixture<MicroZoo>, ICollectionFixture<Cora.Tests.PostgresServer>
{
    public const string Name = "micro zoo";
}
