using System.Text.Json.Nodes;
using Cora.Training.Checkpoints;
using Cora.Training.Encoders;
using Cora.Training.Scoring.BertScore;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Scoring.BertScore;

/// <summary>
/// Tokens, hidden states and scores of the tiny BERT and RoBERTa of tests/fixtures/bertscore
/// against the independent float64 torch implementation that made them (tools/bertscore/make_fixture.py).
/// </summary>
public sealed class BertScoreFixtureTests
{
    private const double Tolerance = 1e-5;

    private static string Root => Path.Combine(Fixtures.Root, "bertscore");

    private static JsonObject Expected(string model) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "expected.json")))!["models"]!.AsArray()
            .Single(m => (string)m!["model"]! == model)!.AsObject();

    public static TheoryData<string> Models => new() { "bert-tiny", "roberta-tiny" };

    [Theory]
    [MemberData(nameof(Models))]
    public void Sentences_tokenize_as_bert_score_encodes_them(string model)
    {
        var dir = Path.Combine(Root, model);
        var tokenizer = SentenceTokenizer.ForEncoder(dir, EncoderConfig.Load(Path.Combine(dir, "config.json")));
        var tokens = Expected(model)["tokens"]!.AsObject();
        Assert.True(tokens.Count >= 14);
        foreach (var (sentence, ids) in tokens)
            Assert.True(ids!.AsArray().Select(i => (int)i!).SequenceEqual(tokenizer.Encode(sentence)), $"{model}: '{sentence}'");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Hidden_states_of_every_layer_match_in_a_padded_batch(string model)
    {
        var dir = Path.Combine(Root, model);
        using var encoder = EncoderCheckpoint.Load(dir);
        var tokenizer = SentenceTokenizer.ForEncoder(dir, encoder.Config);
        var expected = Expected(model)["hidden_states"]!.AsObject();
        var sentences = expected.Select(e => tokenizer.Encode(e.Key)).ToList();
        var length = sentences.Max(s => s.Length);
        var ids = sentences.SelectMany(s => s.Concat(Enumerable.Repeat(tokenizer.PadId, length - s.Length))).Select(i => (long)i).ToArray();
        var mask = sentences.SelectMany(s => Enumerable.Range(0, length).Select(t => t < s.Length ? 1L : 0L)).ToArray();
        using var input = tensor(ids, [sentences.Count, length]);
        using var attention = tensor(mask, [sentences.Count, length]);
        var worst = 0.0;
        for (var layer = 0; layer <= encoder.Config.NumHiddenLayers; layer++)
        {
            using var hidden = encoder.HiddenState(input, attention, layer);
            var b = 0;
            foreach (var (_, states) in expected)
            {
                var rows = states!.AsArray()[layer]!.AsArray();
                Assert.Equal(sentences[b].Length, rows.Count);
                var actual = hidden[b, ..rows.Count].data<float>().ToArray();
                var want = rows.SelectMany(r => r!.AsArray().Select(v => (double)v!)).ToArray();
                Assert.Equal(want.Length, actual.Length);
                worst = Math.Max(worst, want.Zip(actual, (w, a) => Math.Abs(w - a)).Max());
                b++;
            }
        }
        Assert.True(worst < Tolerance, $"{model}: largest hidden-state difference {worst}");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Scores_match_for_every_setting(string model)
    {
        var dir = Path.Combine(Root, model);
        var pairs = File.ReadAllLines(Path.Combine(Root, model + ".jsonl")).Select(l => JsonNode.Parse(l)!)
            .Select(p => (Id: (string)p["id"]!, Candidate: (string)p["prediction"]!, Reference: (string)p["reference"]!)).ToList();
        var settings = Expected(model)["settings"]!.AsArray();
        Assert.Equal(4, settings.Count);
        foreach (var setting in settings)
        {
            var baseline = (string?)setting!["baseline"];
            // Batch size 3: pairs are scored in chunks, sentences padded within each batch.
            using var scorer = BertScorer.Load(new BertScoreOptions(dir)
            {
                Layer = (int)setting["layer"]!,
                Idf = (bool)setting["idf"]!,
                Baseline = baseline is null ? null : Path.Combine(Root, baseline),
                BatchSize = 3,
            });
            var scores = scorer.Score(pairs.Select(p => (p.Candidate, p.Reference)).ToList());
            for (var i = 0; i < pairs.Count; i++)
            {
                var want = setting["pairs"]![pairs[i].Id]!;
                var what = $"{model} layer {setting["layer"]} idf {setting["idf"]} baseline {baseline}: {pairs[i].Id}";
                Assert.True(Math.Abs((double)want["bertscore_precision"]! - scores[i].Precision) < Tolerance, $"{what} P {scores[i].Precision}");
                Assert.True(Math.Abs((double)want["bertscore_recall"]! - scores[i].Recall) < Tolerance, $"{what} R {scores[i].Recall}");
                Assert.True(Math.Abs((double)want["bertscore_f1"]! - scores[i].F1) < Tolerance, $"{what} F {scores[i].F1}");
            }
        }
    }

    [Fact]
    public void A_roberta_tokenizer_json_gives_the_ids_of_vocab_and_merges()
    {
        // The fast-tokenizer file of the same vocabulary, laid out as roberta-base's tokenizer.json.
        var dir = Path.Combine(Root, "roberta-tiny");
        using var temp = new TempDirectory();
        var vocab = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "vocab.json")))!.AsObject();
        var merges = new JsonArray(File.ReadAllLines(Path.Combine(dir, "merges.txt")).Skip(1).Select(l => (JsonNode)JsonValue.Create(l)!).ToArray());
        var added = new JsonArray(new[] { "<s>", "<pad>", "</s>", "<unk>", "<mask>" }.Select(t => (JsonNode)new JsonObject
        {
            ["id"] = (int)vocab[t]!, ["content"] = t, ["single_word"] = false, ["lstrip"] = t == "<mask>", ["rstrip"] = false,
            ["normalized"] = false, ["special"] = true,
        }).ToArray());
        var json = new JsonObject
        {
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = JsonNode.Parse("""{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}"""),
            ["post_processor"] = JsonNode.Parse("""{"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0], "trim_offsets": true, "add_prefix_space": false}"""),
            ["decoder"] = JsonNode.Parse("""{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}"""),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "", ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false, ["vocab"] = vocab.DeepClone(), ["merges"] = merges,
            },
        };
        File.WriteAllText(temp.File("tokenizer.json"), json.ToJsonString());
        File.Copy(Path.Combine(dir, "config.json"), temp.File("config.json"));
        File.Copy(Path.Combine(dir, "tokenizer_config.json"), temp.File("tokenizer_config.json"));
        var tokenizer = SentenceTokenizer.ForEncoder(temp.Path, EncoderConfig.Load(temp.File("config.json")));
        foreach (var (sentence, ids) in Expected("roberta-tiny")["tokens"]!.AsObject())
            Assert.True(ids!.AsArray().Select(i => (int)i!).SequenceEqual(tokenizer.Encode(sentence)), $"'{sentence}'");
    }

    [Fact]
    public void The_default_layer_of_a_model_bert_score_does_not_know_is_the_last_one()
    {
        using var scorer = BertScorer.Load(new BertScoreOptions(Path.Combine(Root, "roberta-tiny")));
        var last = new BertScoreLayer(3, BertScoreLayerSource.Last, null, "the last layer: bert-score has no tuned layer for \"roberta-tiny\"");
        Assert.Equal(new BertScoreSettings(Path.Combine(Root, "roberta-tiny"), "roberta", last, false, null, true), scorer.Settings);
    }

    [Fact]
    public void A_checkpoint_of_a_model_bert_score_knows_is_scored_at_its_tuned_layer()
    {
        // bert-tiny's shape is google/bert_uncased_L-2_H-…'s (2 layers), whose tuned layer is 1:
        // the fixture's "layer 1 with idf" setting is what the default must now give.
        using var temp = new TempDirectory();
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "bert-tiny"))) File.Copy(file, temp.File(Path.GetFileName(file)));
        var config = JsonNode.Parse(File.ReadAllText(temp.File("config.json")))!.AsObject();
        config["_name_or_path"] = "google/bert_uncased_L-2_H-128_A-2";
        File.WriteAllText(temp.File("config.json"), config.ToJsonString());

        using var scorer = BertScorer.Load(new BertScoreOptions(temp.Path) { Idf = true });
        Assert.Equal(new BertScoreLayer(1, BertScoreLayerSource.Tuned, "google/bert_uncased_L-2_H-128_A-2",
            "bert-score's tuned layer for google/bert_uncased_L-2_H-128_A-2 (named \"google/bert_uncased_L-2_H-128_A-2\" by config.json _name_or_path)"),
            scorer.Settings.Layer);
        var setting = Expected("bert-tiny")["settings"]!.AsArray().Single(s => (int)s!["layer"]! == 1)!;
        Assert.True((bool)setting["idf"]!);
        var pairs = File.ReadAllLines(Path.Combine(Root, "bert-tiny.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        var scores = scorer.Score(pairs.Select(p => ((string)p["prediction"]!, (string)p["reference"]!)).ToList());
        for (var i = 0; i < pairs.Count; i++)
            Assert.Equal((double)setting["pairs"]![(string)pairs[i]["id"]!]!["bertscore_f1"]!, scores[i].F1, Tolerance);
    }

    [Fact]
    public void A_roberta_large_in_the_hugging_face_cache_is_scored_at_layer_17_not_its_last()
    {
        // roberta-tiny grown to roberta-large's 24 layers (layer i repeats layer i mod 3), stored as
        // huggingface_hub stores FacebookAI/roberta-large; no _name_or_path, so the directory names it.
        using var temp = new TempDirectory();
        var dir = temp.File(Path.Combine("hub", "models--FacebookAI--roberta-large", "snapshots", "0123abcd"));
        var tiny = Path.Combine(Root, "roberta-tiny");
        using (var weights = SafetensorsCheckpoint.Open(tiny))
        {
            var tensors = weights.Names.Where(n => !n.StartsWith("encoder.layer.", StringComparison.Ordinal)).Select(n => (n, weights.Load(n))).ToList();
            for (var layer = 0; layer < 24; layer++)
            {
                var from = $"encoder.layer.{layer % 3}.";
                tensors.AddRange(weights.Names.Where(n => n.StartsWith(from, StringComparison.Ordinal))
                    .Select(n => ($"encoder.layer.{layer}." + n[from.Length..], weights.Load(n))));
            }
            SafetensorsCheckpoint.Write(dir, tensors);
        }
        foreach (var file in new[] { "vocab.json", "merges.txt", "tokenizer_config.json" }) File.Copy(Path.Combine(tiny, file), Path.Combine(dir, file));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(tiny, "config.json")))!.AsObject();
        config["num_hidden_layers"] = 24;
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());

        (string, string)[] pairs = [("the cat sat on the mat", "a cat was on the mat"), ("hello world", "goodbye moon")];
        using var tuned = BertScorer.Load(new BertScoreOptions(dir));
        Assert.Equal(new BertScoreLayer(17, BertScoreLayerSource.Tuned, "roberta-large",
            "bert-score's tuned layer for roberta-large (named \"FacebookAI/roberta-large\" by the directory)"), tuned.Settings.Layer);
        using var at17 = BertScorer.Load(new BertScoreOptions(dir) { Layer = 17 });
        using var last = BertScorer.Load(new BertScoreOptions(dir) { Layer = 24 });
        Assert.Equal(new BertScoreLayer(24, BertScoreLayerSource.Given, null, "as given"), last.Settings.Layer);
        Assert.Equal(at17.Score(pairs), tuned.Score(pairs));
        Assert.NotEqual(last.Score(pairs)[0].F1, tuned.Score(pairs)[0].F1);
    }

    [Fact]
    public void A_layer_outside_the_model_is_refused()
    {
        var e = Assert.Throws<InvalidInputException>(() => BertScorer.Load(new BertScoreOptions(Path.Combine(Root, "bert-tiny")) { Layer = 3 }));
        Assert.Contains("layer 3 does not exist (this model has hidden states 0..2)", e.Message);
    }
}
