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

    public void Dispose() => _temp.Dispose();
}

[CollectionDefinition(Name)]
public sealed class MicroZooGroup : ICollectionFixture<MicroZoo>
{
    public const string Name = "micro zoo";
}
