using Cora.Training.Zoo;

namespace Cora.Cluster.Tests;

/// <summary>One micro zoo, made through the CLI once for every test class that needs it.</summary>
public sealed class MicroZoo : IDisposable
{
    public MicroZoo()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("cora-zoo-").FullName;
        First = Cli.Invoke("zoo", "make", "--preset", "micro", "--out", Directory, "--seed", "0");
        Manifest = ZooManifest.TryLoad(Directory);
    }

    public string Directory { get; }
    public Cli.Run First { get; }
    public ZooManifest? Manifest { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

[CollectionDefinition(Name)]
public sealed class MicroZooGroup : ICollectionFixture<MicroZoo>
{
    public const string Name = "micro zoo";
}
