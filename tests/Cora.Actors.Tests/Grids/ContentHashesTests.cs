using Cora.Actors.Grids;
using Cora.Training.Basis;
using Cora.Training.Checkpoints;

namespace Cora.Actors.Tests.Grids;

public sealed class ContentHashesTests : IDisposable
{
    private readonly FakeZoo _zoo = new();

    public void Dispose() => _zoo.Dispose();

    private static string Shipped(string name) => Path.Combine(Fixtures.Repository, "hocon", "grids", name);

    private string Source(int i) => Path.Combine(_zoo.Directory, "sources", $"src-{i}");

    private SweepPlan Plan() => SweepPlanner.Plan(GridReader.Read(Shipped("paper.conf"), _zoo.Environment), new ContentHashes(null));

    /// <summary>Rewrites src-0's weights with <paramref name="name"/> shifted by 0.5.</summary>
    private void Change(string name)
    {
        List<(string, TorchSharp.torch.Tensor)> tensors;
        using (var checkpoint = SafetensorsCheckpoint.Open(Source(0)))
            tensors = [.. checkpoint.Names.Select(n => (n, n == name ? checkpoint.Load(n).add(0.5f) : checkpoint.Load(n)))];
        SafetensorsCheckpoint.Write(Source(0), tensors);
        tensors.ForEach(t => t.Item2.Dispose());
    }

    [Fact]
    public void A_source_counts_by_its_qkv_so_an_mlp_change_keeps_every_id_and_a_qkv_change_moves_only_its_bases()
    {
        var before = Plan();
        Change("model.layers.0.mlp.down_proj.weight");
        Assert.Equal(before.Trials.Select(t => t.TrialId), Plan().Trials.Select(t => t.TrialId));

        Change("model.layers.1.self_attn.q_proj.weight");
        var after = Plan();
        var moved = before.Trials.Where((t, i) => t.TrialId != after.Trials[i].TrialId).ToList();
        Assert.NotEmpty(moved);
        // Exactly the trials whose source set holds src-0, and no trial without a basis.
        Assert.All(before.Trials, t => Assert.Equal(t.Basis?.Sources.Any(s => s.EndsWith("src-0", StringComparison.Ordinal)) == true, moved.Contains(t)));
    }

    [Fact]
    public void A_source_hash_is_the_digest_extraction_records_and_is_cached_until_a_file_changes()
    {
        var cacheFile = Path.Combine(_zoo.Directory, "hashes.tsv");
        var hashes = new ContentHashes(cacheFile);
        var digest = hashes.OfSource(Source(1));
        Assert.Equal(SourceDigest.Of(Source(1)), digest);
        hashes.Save();
        var line = Assert.Single(File.ReadAllLines(cacheFile), l => l.StartsWith("source ", StringComparison.Ordinal));

        // A cached value is used as it stands (here planted, to see it), ...
        File.WriteAllText(cacheFile, line.Replace(digest, "planted", StringComparison.Ordinal) + "\n");
        Assert.Equal("planted", new ContentHashes(cacheFile).OfSource(Source(1)));
        // ... until any file of the checkpoint has another size or modification time.
        File.SetLastWriteTimeUtc(Path.Combine(Source(1), "config.json"), DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(digest, new ContentHashes(cacheFile).OfSource(Source(1)));
    }
}
