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

    private static string BertScoreFixture(string name) => Path.Combine(Fixtures.Root, "bertscore", name);

    [Fact]
    public void Bertscore_with_idf_and_baseline_matches_the_torch_reference()
    {
        var run = Cli.Invoke("eval", "score", "--predictions", BertScoreFixture("roberta-tiny.jsonl"), "--metrics", "bertscore",
            "--bertscore-model", BertScoreFixture("roberta-tiny"), "--idf", "--baseline", BertScoreFixture("baseline.csv"), "--batch-size", "2");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        var json = JsonNode.Parse(run.Stdout)!;
        var setting = JsonNode.Parse(File.ReadAllText(BertScoreFixture("expected.json")))!["models"]!.AsArray()
            .Single(m => (string)m!["model"]! == "roberta-tiny")!["settings"]!.AsArray()
            .Single(s => (string?)s!["baseline"] is not null)!["pairs"]!.AsObject();
        string[] keys = ["bertscore_precision", "bertscore_recall", "bertscore_f1"];
        foreach (var (id, expected) in setting)
        {
            Assert.Equal(keys, json["pairs"]![id]!.AsObject().Select(v => v.Key));
            foreach (var key in keys) Assert.Equal((double)expected![key]!, (double)json["pairs"]![id]![key]!, 1e-5);
        }
        var corpus = json["corpus"]!;
        foreach (var key in keys)
            Assert.Equal(setting.Select(p => (double)p.Value![key]!).Average(), (double)corpus[key]!, 1e-5);
        Assert.Equal(BertScoreFixture("roberta-tiny"), (string)corpus["bertscore_model"]!);
        Assert.Equal("roberta", (string)corpus["bertscore_model_type"]!);
        Assert.Equal(3, (int)corpus["bertscore_layer"]!);
        Assert.Equal("last", (string)corpus["bertscore_layer_source"]!);
        Assert.Null(corpus["bertscore_layer_tuned_for"]);
        Assert.Equal("the last layer: bert-score has no tuned layer for \"roberta-tiny\"", (string)corpus["bertscore_layer_reason"]!);
        Assert.Contains("bertscore layer 3: the last layer: bert-score has no tuned layer for \"roberta-tiny\"", run.Stderr);
        Assert.True((bool)corpus["bertscore_idf"]!);
        Assert.True((bool)corpus["bertscore_rescaled"]!);
        Assert.Equal(BertScoreFixture("baseline.csv"), (string)corpus["bertscore_baseline"]!);
        Assert.True((bool)corpus["bertscore_comparable"]!);
        Assert.Null(corpus["bertscore_note"]);
    }

    [Fact]
    public void A_bertscore_model_adds_bertscore_to_the_default_metrics()
    {
        var run = Cli.Invoke("eval", "score", "--predictions", BertScoreFixture("bert-tiny.jsonl"),
            "--bertscore-model", BertScoreFixture("bert-tiny"), "--bertscore-layer", "1");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        var corpus = JsonNode.Parse(run.Stdout)!["corpus"]!;
        Assert.NotNull(corpus["rouge1"]);
        Assert.NotNull(corpus["meteor"]);
        Assert.NotNull(corpus["bleu"]);
        Assert.Equal(1, (int)corpus["bertscore_layer"]!);
        Assert.Equal("given", (string)corpus["bertscore_layer_source"]!);
        Assert.Equal("as given", (string)corpus["bertscore_layer_reason"]!);
        Assert.False((bool)corpus["bertscore_idf"]!);
        Assert.False((bool)corpus["bertscore_rescaled"]!);
    }

    /// <summary>bert-tiny saying it is google/bert_uncased_L-2_H-128_A-2 (2 layers, tuned layer 1).</summary>
    private string NamedBertTiny()
    {
        var dir = _temp.File("named-bert");
        if (Directory.Exists(dir)) return dir;
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(BertScoreFixture("bert-tiny"))) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        config["_name_or_path"] = "google/bert_uncased_L-2_H-128_A-2";
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        return dir;
    }

    private const string TunedReason =
        "bert-score's tuned layer for google/bert_uncased_L-2_H-128_A-2 (named \"google/bert_uncased_L-2_H-128_A-2\" by config.json _name_or_path)";

    [Fact]
    public void Without_a_layer_a_model_bert_score_knows_is_scored_at_its_tuned_layer_and_the_output_says_so()
    {
        var run = Cli.Invoke("eval", "score", "--predictions", BertScoreFixture("bert-tiny.jsonl"), "--metrics", "bertscore",
            "--bertscore-model", NamedBertTiny(), "--idf");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        var json = JsonNode.Parse(run.Stdout)!;
        var corpus = json["corpus"]!;
        Assert.Equal(1, (int)corpus["bertscore_layer"]!);
        Assert.Equal("tuned", (string)corpus["bertscore_layer_source"]!);
        Assert.Equal("google/bert_uncased_L-2_H-128_A-2", (string)corpus["bertscore_layer_tuned_for"]!);
        Assert.Equal(TunedReason, (string)corpus["bertscore_layer_reason"]!);
        Assert.Contains($"bertscore layer 1: {TunedReason}", run.Stderr);
        // The numbers are layer 1's: the reference's "layer 1 with idf" run.
        var expected = JsonNode.Parse(File.ReadAllText(BertScoreFixture("expected.json")))!["models"]!.AsArray()
            .Single(m => (string)m!["model"]! == "bert-tiny")!["settings"]!.AsArray().Single(s => (int)s!["layer"]! == 1)!["pairs"]!.AsObject();
        foreach (var (id, values) in expected)
            Assert.Equal((double)values!["bertscore_f1"]!, (double)json["pairs"]![id]!["bertscore_f1"]!, 1e-5);
    }

    [Fact]
    public void With_out_the_summary_names_the_layer_and_a_given_layer_wins()
    {
        var tuned = Cli.Invoke("eval", "score", "--predictions", BertScoreFixture("bert-tiny.jsonl"), "--metrics", "bertscore",
            "--bertscore-model", NamedBertTiny(), "--out", _temp.File("tuned.json"));
        Assert.True(tuned.ExitCode == ExitCodes.Ok, tuned.Stderr);
        Assert.Equal($"9 pairs scored, written to {_temp.File("tuned.json")}\nbertscore layer 1: {TunedReason}\n", tuned.Stdout.ReplaceLineEndings("\n"));

        var given = Cli.Invoke("eval", "score", "--predictions", BertScoreFixture("bert-tiny.jsonl"), "--metrics", "bertscore",
            "--bertscore-model", NamedBertTiny(), "--bertscore-layer", "2", "--out", _temp.File("given.json"));
        Assert.True(given.ExitCode == ExitCodes.Ok, given.Stderr);
        Assert.EndsWith("bertscore layer 2: as given\n", given.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        var corpus = JsonNode.Parse(File.ReadAllText(_temp.File("given.json")))!["corpus"]!;
        Assert.Equal((2, "given"), ((int)corpus["bertscore_layer"]!, (string)corpus["bertscore_layer_source"]!));
    }

    [Theory]
    [InlineData("--metrics bertscore", "bertscore needs --bertscore-model DIR")]
    [InlineData("--metrics rouge --idf", "--idf only apply to bertscore")]
    [InlineData("--bertscore-layer 2", "--bertscore-layer only apply to bertscore")]
    [InlineData("--bertscore-model M --batch-size 0", "--batch-size must be positive")]
    public void Bertscore_options_that_contradict_are_usage_errors(string arguments, string message)
    {
        var run = Cli.Invoke(["eval", "score", "--predictions", Cases, .. arguments.Replace("M", BertScoreFixture("bert-tiny"), StringComparison.Ordinal).Split(' ')]);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(message, run.Stderr);
    }

    [Fact]
    public void A_bad_bertscore_model_or_layer_is_a_data_error()
    {
        var notEncoder = Cli.Invoke("eval", "score", "--predictions", Cases, "--bertscore-model", Path.Combine(Fixtures.Root, "metrics"));
        Assert.Equal(ExitCodes.DataError, notEncoder.ExitCode);
        Assert.Contains("config.json: no such file", notEncoder.Stderr);
        var layer = Cli.Invoke("eval", "score", "--predictions", Cases, "--bertscore-model", BertScoreFixture("bert-tiny"), "--bertscore-layer", "9");
        Assert.Equal(ExitCodes.DataError, layer.ExitCode);
        Assert.Contains("bertscore layer 9 does not exist", layer.Stderr);
    }
}
