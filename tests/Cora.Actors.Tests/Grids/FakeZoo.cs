namespace Cora.Actors.Tests.Grids;

/// <summary>
/// A directory laid out like a Cora zoo (base, sources/src-0..4, data/alpaca and data/code), with
/// the tiny Llama fixture as every model: enough for reading and planning grids, which look at
/// paths, configs and content hashes, not at what the models learned.
/// </summary>
public sealed class FakeZoo : IDisposable
{
    private readonly TempDirectory _temp = new();

    public FakeZoo(int sources = 5)
    {
        CopyModel(Path.Combine(Directory, "base"));
        for (var i = 0; i < sources; i++) CopyModel(Path.Combine(Directory, "sources", $"src-{i}"));
        foreach (var dataset in new[] { "alpaca", "code" })
        {
            var dir = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "data", dataset)).FullName;
            foreach (var split in new[] { "train", "eval" })
                File.WriteAllText(Path.Combine(dir, $"{split}.jsonl"), $"{{\"instruction\":\"{dataset} {split}\",\"input\":\"\",\"output\":\"ok\"}}\n");
        }
    }

    public string Directory => _temp.Path;

    /// <summary>The environment a grid sees: CORA_ZOO points here.</summary>
    public string? Environment(string name) => name == "CORA_ZOO" ? Directory : null;

    private static void CopyModel(string target)
    {
        System.IO.Directory.CreateDirectory(target);
        foreach (var file in System.IO.Directory.GetFiles(Fixtures.Llama("mha-tiny")))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
    }

    public void Dispose() => _temp.Dispose();
}
