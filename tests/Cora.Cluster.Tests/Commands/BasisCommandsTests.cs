using System.Text.Json.Nodes;
using Cora.Cluster.Commands;
using Cora.Training.Basis;
using static TorchSharp.torch;

namespace Cora.Cluster.Tests.Commands;

[Collection(MicroZooGroup.Name)]
public sealed class BasisCommandsTests(MicroZoo zoo) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Sources(int count) =>
        string.Join(",", Enumerable.Range(0, count).Select(i => Path.Combine(zoo.Directory, "sources", $"src-{i}")));

    [Fact]
    public void Extract_on_the_micro_zoo_writes_a_basis_and_reports_it_as_json()
    {
        var output = _temp.File("basis.safetensors");
        var run = Cli.Invoke("basis", "extract", "--sources", Sources(5), "--max-rank", "16", "--out", output, "--json");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var json = JsonNode.Parse(run.Stdout)!;
        Assert.Equal(output, (string)json["output"]!);
        Assert.Equal("shared-qkv", (string)json["mode"]!);
        Assert.Equal("eigh", (string)json["method"]!);
        Assert.Equal(16, (int)json["rank"]!);
        Assert.Equal([0, 1], json["layers"]!.AsArray().Select(n => (int)n!));
        Assert.Equal(5, json["sources"]!.AsArray().Count);
        Assert.Equal(64, ((string)json["sources"]![0]!["sha256"]!).Length);
        Assert.True((long)json["peak_rss_anon_bytes"]! > 0);
        using var file = BasisFile.Open(output);
        using var basis = file.Basis(1, "v_proj", 16);
        Assert.Equal([64L, 16], basis.shape);
    }

    [Theory]
    [InlineData("eigh")]
    [InlineData("randomized")]
    public void Every_method_holds_the_exact_svd_subspace_on_zoo_weights(string method)
    {
        foreach (var mode in new[] { "shared-qkv", "per-projection" })
        {
            var exact = _temp.File($"svd-{mode}.safetensors");
            var other = _temp.File($"{method}-{mode}.safetensors");
            Assert.Equal(ExitCodes.Ok, Cli.Invoke("basis", "extract", "--sources", Sources(3), "--max-rank", "12", "--out", exact, "--method", "svd", "--mode", mode).ExitCode);
            Assert.Equal(ExitCodes.Ok, Cli.Invoke("basis", "extract", "--sources", Sources(3), "--max-rank", "12", "--out", other, "--method", method, "--mode", mode).ExitCode);
            using var a = BasisFile.Open(exact);
            using var b = BasisFile.Open(other);
            using var scope = NewDisposeScope();
            foreach (var layer in a.Layers)
            {
                foreach (var projection in BasisLayout.Projections)
                {
                    var cosines = linalg.svdvals(a.Basis(layer, projection, 12).t().matmul(b.Basis(layer, projection, 12)));
                    Assert.True(cosines.min().item<float>() >= 0.9999f, $"{method} {mode} layer {layer} {projection}: {cosines.min().item<float>()}");
                }
            }
        }
    }

    [Fact]
    public void Spectrum_prints_a_table_and_writes_csv()
    {
        var csv = _temp.File("spectrum.csv");
        var run = Cli.Invoke("basis", "spectrum", "--sources", Sources(2), "--out", csv, "--json");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var layers = JsonNode.Parse(run.Stdout)!["layers"]!.AsArray();
        Assert.Equal(2, layers.Count);
        Assert.Equal(64, (int)layers[0]!["available"]!);
        var lines = File.ReadAllLines(csv);
        Assert.Equal("layer,block,available,energy_90,energy_99,energy_100", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("0,qkv,64,", lines[1]);
        var words = Cli.Invoke("basis", "spectrum", "--sources", Sources(1), "--layers", "1", "--mode", "per-projection");
        Assert.Equal(ExitCodes.Ok, words.ExitCode);
        Assert.Contains("q_proj", words.Stdout);
    }

    [Theory]
    [InlineData(ExitCodes.NoInput, "/no/such/src", "--max-rank", "8", "/no/such/src: no such source directory")]
    [InlineData(ExitCodes.DataError, ",", "--max-rank", "8", "no source directories given")]
    [InlineData(ExitCodes.DataError, "ZOO", "--max-rank", "65", "exceeds the rank available at layer 0 qkv")]
    [InlineData(ExitCodes.DataError, "ZOO", "--layers", "0,7", "layer 7 does not exist")]
    [InlineData(ExitCodes.Usage, "ZOO", "--method", "lanczos", "lanczos")]
    public void Extract_errors_name_the_problem(int code, string sources, string option, string value, string expected)
    {
        string[] args = ["basis", "extract", "--sources", sources == "ZOO" ? Sources(2) : sources, "--out", _temp.File("x.safetensors")];
        if (option != "--max-rank") args = [.. args, "--max-rank", "8"];
        var run = Cli.Invoke([.. args, option, value]);
        Assert.Equal(code, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
    }

    [Fact]
    public void Shared_qkv_on_gqa_exits_65_and_suggests_per_projection()
    {
        var run = Cli.Invoke("basis", "extract", "--sources", Fixtures.Llama("gqa-sharded"), "--max-rank", "4", "--out", _temp.File("g.safetensors"));
        Assert.Equal(ExitCodes.DataError, run.ExitCode);
        Assert.Contains("--mode per-projection", run.Stderr);
    }
}
