using System.Text;
using System.Text.Json.Nodes;
using Cora.Cluster.Commands;

namespace Cora.Cluster.Tests.Commands;

public sealed class EvalScoreCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Cases => Path.Combine(Fixtures.Root, "metrics", "cases.jsonl");

    private static JsonNode Expected => JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Root, "metrics", "expected.json")))!;

    [Fact]
    public void Scores_the_reference_cases_as_sacrebleu_does()
    {
        var run = Cli.Invoke("eval", "score", "--predictions", Cases, "--metrics", "sacrebleu");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        var json = JsonNode.Parse(run.Stdout)!;
        var expected = Expected;

        var ids = File.ReadLines(Cases).Where(l => l.Length > 0).Select(l => (string)JsonNode.Parse(l)!["id"]!).ToList();
        var pairs = json["pairs"]!.AsObject();
        Assert.Equal(ids, pairs.Select(p => p.Key));                       // file order
        foreach (var id in ids)
            Assert.Equal((double)expected["pairs"]![id]!["sentence_bleu"]!, (double)pairs[id]!["sentence_bleu"]!, 1e-9);

        var corpus = json["corpus"]!;
        foreach (var key in new[] { "bleu", "bleu_bp" })
            Assert.Equal((double)expected["corpus"]![key]!, (double)corpus[key]!, 1e-9);
        foreach (var key in new[] { "sys_len", "ref_len", "n_pairs" })
            Assert.Equal((long)expected["corpus"]![key]!, (long)corpus[key]!);
        foreach (var key in new[] { "bleu_counts", "bleu_totals" })
            Assert.Equal(expected["corpus"]![key]!.AsArray().Select(n => (long)n!), corpus[key]!.AsArray().Select(n => (long)n!));
        Assert.Equal(expected["corpus"]!["bleu_precisions"]!.AsArray().Select(n => (double)n!),
            corpus["bleu_precisions"]!.AsArray().Select(n => (double)n!), (a, b) => Math.Abs(a - b) <= 1e-9);
    }

    [Fact]
    public void Scores_the_reference_cases_as_rouge_score_does_with_and_without_stemming()
    {
        var run = Cli.Invoke("eval", "score", "--predictions", Cases, "--metrics", "rouge");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        var json = JsonNode.Parse(run.Stdout)!;
        var expected = Expected;
        string[] keys = ["rouge1", "rouge2", "rougeL", "rougeLsum", "rouge1_stem", "rouge2_stem", "rougeL_stem", "rougeLsum_stem"];
        foreach (var (id, values) in json["pairs"]!.AsObject())
        {
            Assert.Equal(keys.Order(StringComparer.Ordinal), values!.AsObject().Select(v => v.Key).Order(StringComparer.Ordinal));
            foreach (var key in keys)
                Assert.Equal((double)expected["pairs"]![id]![key]!, (double)values[key]!, 1e-9);
        }
        foreach (var key in keys)
            Assert.Equal((double)expected["corpus"]![key]!, (double)json["corpus"]![key]!, 1e-9);
        Assert.Null(json["corpus"]!["bleu"]);
    }

    [Fact]
    public void Scores_the_reference_cases_as_nltk_meteor_does()
    {
        var run = Cli.Invoke("eval", "score", "--predictions", Cases, "--metrics", "meteor");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        var json = JsonNode.Parse(run.Stdout)!;
        var expected = Expected;
        foreach (var (id, values) in json["pairs"]!.AsObject())
        {
            Assert.Equal(["meteor"], values!.AsObject().Select(v => v.Key));
            Assert.Equal((double)expected["pairs"]![id]!["meteor"]!, (double)values["meteor"]!, 1e-6);
        }
        Assert.Equal(158, json["pairs"]!.AsObject().Count);
        Assert.Equal((double)expected["corpus"]!["meteor"]!, (double)json["corpus"]!["meteor"]!, 1e-6);
        Assert.Null(json["corpus"]!["bleu"]);
    }

    [Fact]
    public void Writes_the_report_to_a_file_on_request()
    {
        var run = Cli.Invoke("eval", "score", "--predictions", Cases, "--out", _temp.File("scores.json"));
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("158 pairs scored", run.Stdout);
        Assert.Equal(158, (int)JsonNode.Parse(File.ReadAllText(_temp.File("scores.json")))!["corpus"]!["n_pairs"]!);
    }

    [Fact]
    public void An_empty_prediction_is_legal()
    {
        File.WriteAllText(_temp.File("p.jsonl"), "{\"id\":\"a\",\"prediction\":\"\",\"reference\":\"the cat\"}\n");
        var run = Cli.Invoke("eval", "score", "--predictions", _temp.File("p.jsonl"));
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        Assert.Equal(0.0, (double)JsonNode.Parse(run.Stdout)!["pairs"]!["a"]!["sentence_bleu"]!);
    }

    [Theory]
    [InlineData("{\"id\":\"a\",\"prediction\":\"x\",\"reference\":\"y\"}\n{oops\n", "line 2: not valid JSON")]
    [InlineData("{\"id\":\"a\",\"prediction\":\"x\"}\n", "line 1: \"reference\" must be a string")]
    [InlineData("{\"id\":7,\"prediction\":\"x\",\"reference\":\"y\"}\n", "line 1: \"id\" must be a string")]
    [InlineData("[1, 2]\n", "line 1: expected a JSON object")]
    [InlineData("{\"id\":\"a\",\"prediction\":\"x\",\"reference\":\"y\"}\n\n{\"id\":\"a\",\"prediction\":\"z\",\"reference\":\"y\"}\n",
        "line 3: id \"a\" already appears on line 1")]
    [InlineData("\n\n", "contains no predictions")]
    public void Bad_lines_are_named_with_their_number(string content, string message)
    {
        File.WriteAllText(_temp.File("p.jsonl"), content);
        var run = Cli.Invoke("eval", "score", "--predictions", _temp.File("p.jsonl"));
        Assert.Equal(ExitCodes.DataError, run.ExitCode);
        Assert.Contains(_temp.File("p.jsonl"), run.Stderr);
        Assert.Contains(message, run.Stderr);
    }

    [Fact]
    public void Invalid_utf8_is_named_with_its_line()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"id\":\"a\",\"prediction\":\"x\",\"reference\":\"y\"}\n{\"id\":\"b\",\"prediction\":\"").Concat(new byte[] { 0xC3, 0x28 })
            .Concat(Encoding.UTF8.GetBytes("\",\"reference\":\"y\"}\n")).ToArray();
        File.WriteAllBytes(_temp.File("p.jsonl"), bytes);
        var run = Cli.Invoke("eval", "score", "--predictions", _temp.File("p.jsonl"));
        Assert.Equal(ExitCodes.DataError, run.ExitCode);
        Assert.Contains("line 2: not valid UTF-8", run.Stderr);
    }

    [Fact]
    public void Missing_file_and_unknown_metric()
    {
        Assert.Equal(ExitCodes.NoInput, Cli.Invoke("eval", "score", "--predictions", _temp.File("none.jsonl")).ExitCode);
        var unknown = Cli.Invoke("eval", "score", "--predictions", Cases, "--metrics", "sacrebleu,chrf");
        Assert.Equal(ExitCodes.Usage, unknown.ExitCode);
        Assert.Contains("unknown metric(s) chrf", unknown.Stderr);
    }
}
