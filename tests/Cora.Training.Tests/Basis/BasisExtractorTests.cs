using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cora.Training.Basis;
using Cora.Training.Checkpoints;
using static TorchSharp.torch;
using static Cora.Training.Tests.Basis.BasisTestData;

namespace Cora.Training.Tests.Basis;

public sealed class BasisExtractorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string MhaTiny => Fixtures.Llama("mha-tiny");

    private BasisResult Extract(string name, int rank, BasisMode mode = BasisMode.SharedQkv, BasisMethod method = BasisMethod.Eigh,
        IReadOnlyList<int>? layers = null, params string[] sources) =>
        BasisExtractor.Extract(new BasisOptions(sources.Length > 0 ? sources : [MhaTiny], rank, _temp.File(name), mode, method, layers));

    [Fact]
    public void Shared_qkv_writes_one_basis_and_spectrum_per_layer()
    {
        var result = Extract("b.safetensors", 8);
        using var file = SafetensorsFile.Open(result.Output);
        var names = file.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            [
                "model.layers.0.self_attn.qkv_basis", "model.layers.0.self_attn.qkv_singular_values",
                "model.layers.1.self_attn.qkv_basis", "model.layers.1.self_attn.qkv_singular_values",
            ],
            names);
        Assert.Equal([32L, 8], file.Entry("model.layers.0.self_attn.qkv_basis").Shape);
        Assert.Equal([8L], file.Entry("model.layers.1.self_attn.qkv_singular_values").Shape);
        Assert.All(file.Tensors, t => Assert.Equal("F32", t.DType.Name));
    }

    [Fact]
    public void Per_projection_on_a_gqa_model_gives_each_projection_its_own_height()
    {
        var result = Extract("gqa.safetensors", 12, BasisMode.PerProjection, sources: Fixtures.Llama("gqa-sharded"));
        using var file = SafetensorsFile.Open(result.Output);
        Assert.Equal(3 * 3 * 2, file.Tensors.Count);
        Assert.Equal([48L, 12], file.Entry("model.layers.2.self_attn.q_proj.basis").Shape);
        Assert.Equal([16L, 12], file.Entry("model.layers.2.self_attn.k_proj.basis").Shape);
        Assert.Equal([16L, 12], file.Entry("model.layers.0.self_attn.v_proj.basis").Shape);
        Assert.Equal([12L], file.Entry("model.layers.0.self_attn.v_proj.singular_values").Shape);
    }

    [Fact]
    public void Shared_qkv_on_a_gqa_model_says_to_use_per_projection()
    {
        var error = Assert.Throws<InvalidInputException>(() => Extract("x.safetensors", 8, sources: Fixtures.Llama("gqa-sharded")));
        Assert.Contains("grouped-query", error.Message);
        Assert.Contains("--mode per-projection", error.Message);
        Assert.False(File.Exists(_temp.File("x.safetensors")));
    }

    [Fact]
    public void The_basis_is_that_of_the_mean_of_the_sources()
    {
        var config = Config(hidden: 24, layers: 2, heads: 3, kvHeads: 3);
        var a = WriteGaussianSource(_temp.File("a"), config, seed: 1);
        var b = WriteGaussianSource(_temp.File("b"), config, seed: 2);
        var result = Extract("mean.safetensors", 10, method: BasisMethod.Svd, sources: [a, b]);

        using var scope = NewDisposeScope();
        using var basisFile = BasisFile.Open(result.Output);
        using var first = SafetensorsCheckpoint.Open(a);
        using var second = SafetensorsCheckpoint.Open(b);
        for (var layer = 0; layer < 2; layer++)
        {
            // Independent computation: mean in float64, stacked, full SVD.
            var stacked = cat([.. BasisLayout.Projections.Select(p =>
            {
                var name = BasisLayout.WeightName(layer, p);
                return (first.Load(name, ScalarType.Float64) + second.Load(name, ScalarType.Float64)) / 2;
            })], 1);
            var (u, s, _) = linalg.svd(stacked, fullMatrices: false);
            var basis = basisFile.Basis(layer, "k_proj", 10);
            AssertSameSubspace(u.narrow(1, 0, 10), basis, $"layer {layer}");
            Assert.True(allclose(s.narrow(0, 0, 10).to(ScalarType.Float32), basisFile.SingularValues(layer, "q_proj", 10), rtol: 1e-5));
            // Not the basis of either source alone: the mean really was taken.
            var (ua, _, _) = linalg.svd(cat([.. BasisLayout.Projections.Select(p => first.Load(BasisLayout.WeightName(layer, p), ScalarType.Float64))], 1), fullMatrices: false);
            Assert.True(PrincipalCosines(ua.narrow(1, 0, 10), basis).Min() < 0.99);
        }
    }

    [Fact]
    public void Same_inputs_give_the_same_bytes()
    {
        var first = Extract("one.safetensors", 16, method: BasisMethod.Randomized);
        var second = Extract("two.safetensors", 16, method: BasisMethod.Randomized);
        Assert.Equal(File.ReadAllBytes(first.Output), File.ReadAllBytes(second.Output));
    }

    [Theory]
    [InlineData(BasisMethod.Eigh)]
    [InlineData(BasisMethod.Svd)]
    public void A_file_at_rank_8_is_the_prefix_of_one_at_rank_24(BasisMethod method)
    {
        using var small = BasisFile.Open(Extract("r8.safetensors", 8, method: method).Output);
        using var large = BasisFile.Open(Extract("r24.safetensors", 24, method: method).Output);
        using var scope = NewDisposeScope();
        foreach (var layer in new[] { 0, 1 })
        {
            Assert.Equal(small.Basis(layer, "q_proj", 8).data<float>().ToArray(), large.Basis(layer, "q_proj", 8).data<float>().ToArray());
            Assert.Equal(small.SingularValues(layer, "v_proj", 8).data<float>().ToArray(), large.SingularValues(layer, "v_proj", 8).data<float>().ToArray());
        }
    }

    [Theory]
    [InlineData(BasisMethod.Eigh)]
    [InlineData(BasisMethod.Randomized)]
    public void Every_method_matches_the_exact_svd_file(BasisMethod method)
    {
        using var exact = BasisFile.Open(Extract("svd.safetensors", 8, BasisMode.PerProjection, BasisMethod.Svd).Output);
        using var other = BasisFile.Open(Extract("other.safetensors", 8, BasisMode.PerProjection, method).Output);
        using var scope = NewDisposeScope();
        foreach (var projection in BasisLayout.Projections)
            AssertSameSubspace(exact.Basis(1, projection, 8), other.Basis(1, projection, 8), $"{method} {projection}");
    }

    [Fact]
    public void Metadata_records_mode_method_rank_layers_and_source_hashes()
    {
        var result = Extract("meta.safetensors", 4, BasisMode.PerProjection, BasisMethod.Svd, layers: [1]);
        using var file = BasisFile.Open(result.Output);
        Assert.Equal(BasisMode.PerProjection, file.Mode);
        Assert.Equal(BasisMethod.Svd, file.Method);
        Assert.Equal(4, file.Rank);
        Assert.Equal([1], file.Layers);
        Assert.Equal("pt", file.Metadata["format"]);
        var source = Assert.Single(file.Sources);
        Assert.Equal(MhaTiny, source.Path);
        Assert.Equal(Path.GetFullPath(MhaTiny), source.AbsolutePath);
        // The documented hash (SourceDigest), computed here by hand: a version line, config.json,
        // then the q/k/v of the extracted layer, each a header line and its raw bytes.
        var config = File.ReadAllBytes(Path.Combine(MhaTiny, "config.json"));
        using var weights = SafetensorsFile.Open(Path.Combine(MhaTiny, "model.safetensors"));
        var stream = new MemoryStream();
        stream.Write(Encoding.UTF8.GetBytes($"cora-source-digest v1\nconfig.json {config.Length}\n"));
        stream.Write(config);
        foreach (var projection in new[] { "q_proj", "k_proj", "v_proj" })
        {
            var entry = weights.Entry($"model.layers.1.self_attn.{projection}.weight");
            var bytes = new byte[entry.ByteSize];
            weights.ReadBytes(entry.Name, bytes);
            stream.Write(Encoding.UTF8.GetBytes($"{entry.Name} {entry.DType.Name} [{string.Join(',', entry.Shape)}] {bytes.Length}\n"));
            stream.Write(bytes);
        }
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stream.ToArray())), source.Sha256);
        var sources = JsonNode.Parse(file.Metadata["cora.sources"])!.AsArray();
        Assert.Equal(source.Sha256, (string)sources[0]!["sha256"]!);
        Assert.Throws<ArgumentException>(() => file.Basis(0, "q_proj", 4));
    }

    [Fact]
    public void Total_energy_is_the_whole_spectrum_so_a_full_rank_basis_explains_all_of_it()
    {
        // mha-tiny: out 32, [Wq | Wk | Wv] is 32 × 96, so rank 32 holds every singular value.
        using var full = BasisFile.Open(Extract("full.safetensors", 32).Output);
        using var top = BasisFile.Open(Extract("top.safetensors", 4).Output);
        using var source = SafetensorsFile.Open(Path.Combine(MhaTiny, "model.safetensors"));
        using var scope = NewDisposeScope();
        var frobenius = BasisLayout.Projections.Sum(p => source.Load(BasisLayout.WeightName(1, p)).to(ScalarType.Float64).square().sum().item<double>());
        Assert.Equal(frobenius, full.TotalEnergy(1, "q_proj")!.Value, 9);
        Assert.Equal(frobenius, top.TotalEnergy(1, "v_proj")!.Value, 9);
        var captured = full.SingularValues(1, "q_proj", 32).to(ScalarType.Float64).square().sum().item<double>();
        Assert.Equal(1.0, captured / frobenius, 4);
        var topFour = top.SingularValues(1, "q_proj", 4).to(ScalarType.Float64).square().sum().item<double>();
        Assert.InRange(topFour / frobenius, 0.05, 0.999);
    }

    [Fact]
    public void Basis_file_serves_prefixes_and_rejects_what_it_does_not_hold()
    {
        using var file = BasisFile.Open(Extract("serve.safetensors", 6).Output);
        using var scope = NewDisposeScope();
        var full = file.Basis(0, "q_proj", 6);
        Assert.Equal([32L, 6], full.shape);
        Assert.Equal(full.narrow(1, 0, 2).contiguous().data<float>().ToArray(), file.Basis(0, "v_proj", 2).data<float>().ToArray());
        Assert.True(allclose(full.t().matmul(full), eye(6), atol: 1e-5), "unit-norm, orthogonal columns");
        Assert.Throws<ArgumentOutOfRangeException>(() => file.Basis(0, "q_proj", 7));
        Assert.Throws<ArgumentException>(() => file.Basis(0, "o_proj", 2));
        Assert.Throws<ArgumentException>(() => file.Basis(2, "q_proj", 2));
    }

    [Fact]
    public void A_plain_checkpoint_is_not_a_basis_file()
    {
        var error = Assert.Throws<InvalidInputException>(() => BasisFile.Open(Path.Combine(MhaTiny, "model.safetensors")));
        Assert.Contains("cora.kind", error.Message);
    }

    [Fact]
    public void A_missing_source_directory_is_named()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => Extract("x.safetensors", 4, sources: [MhaTiny, "/no/such/src-9"]));
        Assert.Contains("/no/such/src-9", error.Message);
    }

    [Fact]
    public void No_sources_is_an_error()
    {
        var error = Assert.Throws<InvalidInputException>(() =>
            BasisExtractor.Extract(new BasisOptions([], 4, _temp.File("x.safetensors"))));
        Assert.Contains("no source directories", error.Message);
    }

    [Fact]
    public void A_source_with_another_architecture_is_named_with_the_key()
    {
        var wide = WriteGaussianSource(_temp.File("src-3"), Config(hidden: 64, layers: 2, heads: 4, kvHeads: 4), seed: 3);
        var error = Assert.Throws<InvalidInputException>(() => Extract("x.safetensors", 4, sources: [MhaTiny, wide]));
        Assert.Contains($"{wide}: hidden_size 64, but {MhaTiny} has 32", error.Message);
    }

    [Fact]
    public void A_source_whose_weights_contradict_its_config_is_named_with_the_tensor()
    {
        var config = Config(hidden: 32, layers: 2, heads: 4, kvHeads: 4);
        var bad = WriteSource(_temp.File("bad"), config, (layer, p) => Gaussian(layer == 1 && p == "v_proj" ? 16 : 32, 32, 1));
        var error = Assert.Throws<InvalidInputException>(() => Extract("x.safetensors", 4, sources: [MhaTiny, bad]));
        Assert.Contains("model.layers.1.self_attn.v_proj.weight", error.Message);
        Assert.Contains("[16, 32]", error.Message);
    }

    [Theory]
    [InlineData(BasisMode.SharedQkv, 33, "layer 0 qkv: min(out 32, in 96) = 32")]
    [InlineData(BasisMode.PerProjection, 33, "layer 0 q_proj: min(out 32, in 32) = 32")]
    [InlineData(BasisMode.SharedQkv, 0, "at least 1")]
    public void A_rank_the_layer_cannot_hold_is_named(BasisMode mode, int rank, string expected)
    {
        var error = Assert.Throws<InvalidInputException>(() => Extract("x.safetensors", rank, mode));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_layer_the_sources_lack_is_named()
    {
        var error = Assert.Throws<InvalidInputException>(() => Extract("x.safetensors", 4, layers: [0, 5]));
        Assert.Contains("layer 5 does not exist", error.Message);
    }

    [Theory]
    [InlineData("all", new[] { 0, 1, 2 })]
    [InlineData("2, 0,2", new[] { 0, 2 })]
    public void Layer_selection_parses(string text, int[] expected) =>
        Assert.Equal(expected, LayerSelection.Parse(text, 3));

    [Theory]
    [InlineData("x", "'x' is not a layer index")]
    [InlineData("-1", "'-1' is not a layer index")]
    [InlineData("3", "layer 3 does not exist")]
    [InlineData("", "'' is not a layer index")]
    public void Bad_layer_selections_are_named(string text, string expected) =>
        Assert.Contains(expected, Assert.Throws<InvalidInputException>(() => LayerSelection.Parse(text, 3)).Message);
}
