using System.Text.Json.Nodes;
using Cora.Cluster.Commands;
using Cora.Training.Generation;

namespace Cora.Cluster.Tests.Commands;

public sealed class EvalCompareCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static IReadOnlyList<Prediction> Cases => Prediction.Load(Path.Combine(Fixtures.Root, "metrics", "cases.jsonl"));

    /// <summary>System "good" answers with the reference itself on every example, "noisy" with the
    /// fixture predictions: good must win clearly.</summary>
    private (string Good, string Noisy) Systems()
    {
        Prediction.Save(_temp.File("good.jsonl"), Cases.Select(p => p with { Text = p.Reference }));
        Prediction.Save(_temp.File("noisy.jsonl"), Cases);
        return (_temp.File("good.jsonl"), _temp.File("noisy.jsonl"));
    }

    private static JsonNode Compare(params string[] args)
    {
        var run = Cli.Invoke(["eval", "compare", .. args, "--json"]);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        return JsonNode.Parse(run.Stdout)!;
    }

    [Theory]
    [InlineData("rougeL")]
    [InlineData("meteor")]
    [InlineData("bleu")]
    public void A_clearly_better_system_wins_with_an_interval_above_zero(string metric)
    {
        var (good, noisy) = Systems();
        var result = Compare(good, noisy, "--metric", metric, "--resamples", "300");
        Assert.Equal(158, (int)result["pairs"]!);
        Assert.True((double)result["difference"]! > 0);
        Assert.True((double)result["ci_low"]! > 0, result.ToJsonString());
        Assert.True((double)result["ci_low"]! <= (double)result["difference"]! && (double)result["difference"]! <= (double)result["ci_high"]!);
        Assert.Equal(0.0, (double)result["p_value"]!);

        var reversed = Compare(noisy, good, "--metric", metric, "--resamples", "300");
        Assert.Equal(-(double)result["difference"]!, (double)reversed["difference"]!, 9);
        Assert.True((double)reversed["ci_high"]! < 0);
    }

    [Fact]
    public void Identical_systems_differ_by_nothing()
    {
        var (_, noisy) = Systems();
        var result = Compare(noisy, noisy, "--metric", "sentence_bleu", "--resamples", "50");
        Assert.Equal(0.0, (double)result["difference"]!);
        Assert.Equal(0.0, (double)result["ci_low"]!);
        Assert.Equal(0.0, (double)result["ci_high"]!);
        Assert.Equal(1.0, (double)result["p_value"]!);
    }

    [Fact]
    public void Seeded_resampling_repeats_and_only_shared_ids_count()
    {
        var (good, noisy) = Systems();
        Prediction.Save(_temp.File("half.jsonl"), Cases.Take(80).Select(p => p with { Text = p.Reference }));
        var first = Compare(_temp.File("half.jsonl"), noisy, "--metric", "rouge1_stem", "--seed", "3", "--resamples", "200");
        var second = Compare(_temp.File("half.jsonl"), noisy, "--metric", "rouge1_stem", "--seed", "3", "--resamples", "200");
        Assert.Equal(first.ToJsonString(), second.ToJsonString());
        Assert.Equal(80, (int)first["pairs"]!);
        Assert.Equal(78, (int)first["only_in_b"]!);
        var other = Compare(_temp.File("half.jsonl"), noisy, "--metric", "rouge1_stem", "--seed", "4", "--resamples", "200");
        Assert.NotEqual((double)first["ci_low"]!, (double)other["ci_low"]!);
        Assert.Equal((double)first["difference"]!, (double)other["difference"]!);
    }

    [Fact]
    public void Files_about_different_data_are_refused()
    {
        var (good, _) = Systems();
        Prediction.Save(_temp.File("other.jsonl"), [new Prediction("x", "a", "b")]);
        var none = Cli.Invoke("eval", "compare", good, _temp.File("other.jsonl"));
        Assert.Equal(ExitCodes.DataError, none.ExitCode);
        Assert.Contains("share no ids", none.Stderr);

        Prediction.Save(_temp.File("moved.jsonl"), Cases.Select(p => p with { Reference = p.Reference + " extra" }));
        var moved = Cli.Invoke("eval", "compare", good, _temp.File("moved.jsonl"));
        Assert.Equal(ExitCodes.DataError, moved.ExitCode);
        Assert.Contains("different references", moved.Stderr);

        Assert.Equal(ExitCodes.Usage, Cli.Invoke("eval", "compare", good, good, "--metric", "bertscore").ExitCode);
    }
}
