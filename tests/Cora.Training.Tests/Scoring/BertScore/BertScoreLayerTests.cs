using System.Text.Json.Nodes;
using Cora.Training.Scoring.BertScore;

namespace Cora.Training.Tests.Scoring.BertScore;

/// <summary>
/// Which layer BERTScore uses without one given: bert-score's tuned layer for a checkpoint
/// identified by config.json _name_or_path or its directory, when it fits; else the last layer.
/// Only config.json is read, so these checkpoints have no weights.
/// </summary>
public sealed class BertScoreLayerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A checkpoint directory at <paramref name="relative"/> holding only config.json.</summary>
    private string Checkpoint(string relative, string modelType = "roberta", int layers = 24, string? nameOrPath = null)
    {
        var dir = Path.Combine(_temp.Path, relative);
        Directory.CreateDirectory(dir);
        var config = new JsonObject
        {
            ["model_type"] = modelType, ["vocab_size"] = 320, ["hidden_size"] = 16, ["num_attention_heads"] = 2,
            ["intermediate_size"] = 24, ["num_hidden_layers"] = layers,
        };
        if (nameOrPath is not null) config["_name_or_path"] = nameOrPath;
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        return dir;
    }

    [Theory]
    [InlineData("roberta-large", "roberta", 24, 17, "roberta-large")]
    [InlineData("FacebookAI/roberta-large", "roberta", 24, 17, "roberta-large")]
    [InlineData("roberta-base", "roberta", 12, 10, "roberta-base")]
    [InlineData("roberta-large-mnli", "roberta", 24, 19, "roberta-large-mnli")]
    [InlineData("distilbert/distilroberta-base", "roberta", 6, 5, "distilroberta-base")]
    [InlineData("bert-base-uncased", "bert", 12, 9, "bert-base-uncased")]
    [InlineData("google-bert/bert-large-uncased", "bert", 24, 18, "bert-large-uncased")]
    [InlineData("google/bert_uncased_L-2_H-128_A-2", "bert", 2, 1, "google/bert_uncased_L-2_H-128_A-2")]
    [InlineData("/home/me/.cache/huggingface/hub/models--roberta-base/snapshots/0a1b2c3d", "roberta", 12, 10, "roberta-base")]
    [InlineData("/data/checkpoints/bert-base-multilingual-cased", "bert", 12, 9, "bert-base-multilingual-cased")]
    public void A_name_or_path_bert_score_knows_gives_its_tuned_layer(string nameOrPath, string modelType, int layers, int tuned, string tunedFor)
    {
        var layer = BertScoreLayer.Choose(Checkpoint("my-model", modelType, layers, nameOrPath), null);
        Assert.Equal((tuned, BertScoreLayerSource.Tuned, tunedFor), (layer.Index, layer.Source, layer.TunedFor));
    }

    [Fact]
    public void The_reason_names_the_model_and_where_its_name_came_from()
    {
        var layer = BertScoreLayer.Choose(Checkpoint("my-model", nameOrPath: "FacebookAI/roberta-large"), null);
        Assert.Equal("bert-score's tuned layer for roberta-large (named \"FacebookAI/roberta-large\" by config.json _name_or_path)", layer.Reason);
    }

    [Theory]
    [InlineData("roberta-large", 17, "roberta-large", "roberta-large")]
    [InlineData("RoBERTa-Large", 17, "roberta-large", "RoBERTa-Large")]
    [InlineData("hub/models--FacebookAI--roberta-large/snapshots/5e8b3c1d", 17, "roberta-large", "FacebookAI/roberta-large")]
    [InlineData("hub/models--roberta-base", 10, "roberta-base", "roberta-base")]
    public void Without_a_name_or_path_the_directory_names_the_model(string relative, int tuned, string tunedFor, string name)
    {
        var layer = BertScoreLayer.Choose(Checkpoint(relative), null);
        Assert.Equal(new BertScoreLayer(tuned, BertScoreLayerSource.Tuned, tunedFor,
            $"bert-score's tuned layer for {tunedFor} (named \"{name}\" by the directory)"), layer);
    }

    [Fact]
    public void The_name_or_path_is_looked_up_before_the_directory_and_an_unknown_one_falls_through()
    {
        Assert.Equal(17, BertScoreLayer.Choose(Checkpoint("roberta-base", nameOrPath: "roberta-large"), null).Index);
        Assert.Equal(10, BertScoreLayer.Choose(Checkpoint("a/roberta-base", nameOrPath: "my-finetune"), null).Index);
    }

    [Fact]
    public void A_given_layer_always_wins_and_nothing_is_read()
    {
        var dir = Checkpoint("roberta-large", nameOrPath: "roberta-large");
        Assert.Equal(new BertScoreLayer(5, BertScoreLayerSource.Given, null, "as given"), BertScoreLayer.Choose(dir, 5));
        Assert.Equal(0, BertScoreLayer.Choose(dir, 0).Index);
        Assert.Equal(BertScoreLayerSource.Given, BertScoreLayer.Choose(_temp.File("no-such-dir"), 3).Source);
    }

    [Fact]
    public void An_unknown_model_gets_its_last_layer_and_says_so()
    {
        var layer = BertScoreLayer.Choose(Checkpoint("my-encoder", layers: 4), null);
        Assert.Equal(new BertScoreLayer(4, BertScoreLayerSource.Last, null, "the last layer: bert-score has no tuned layer for \"my-encoder\""), layer);
    }

    [Fact]
    public void Someone_elses_hub_model_is_not_taken_for_the_model_its_name_ends_with()
    {
        var layer = BertScoreLayer.Choose(Checkpoint("ckpt", layers: 24, nameOrPath: "someone/roberta-large"), null);
        Assert.Equal((24, BertScoreLayerSource.Last), (layer.Index, layer.Source));
        Assert.Equal("the last layer: bert-score has no tuned layer for \"someone/roberta-large\", \"ckpt\"", layer.Reason);
    }

    [Fact]
    public void A_tuned_layer_beyond_the_models_layers_is_not_used()
    {
        var layer = BertScoreLayer.Choose(Checkpoint("small", layers: 12, nameOrPath: "roberta-large"), null);
        Assert.Equal(new BertScoreLayer(12, BertScoreLayerSource.Last, null,
            "the last layer: named \"roberta-large\" by config.json _name_or_path, but bert-score's tuned layer for roberta-large "
            + "(17, of a roberta model) does not fit this roberta checkpoint with 12 layers"), layer);
        Assert.Equal(17, BertScoreLayer.Choose(Checkpoint("exact", layers: 17, nameOrPath: "roberta-large"), null).Index);
    }

    [Fact]
    public void The_first_known_name_decides_even_when_it_does_not_fit()
    {
        // roberta-base's 10 would fit these 12 layers, but the checkpoint says it is roberta-large.
        var layer = BertScoreLayer.Choose(Checkpoint("roberta-base", layers: 12, nameOrPath: "roberta-large"), null);
        Assert.Equal((12, BertScoreLayerSource.Last), (layer.Index, layer.Source));
    }

    [Fact]
    public void A_name_of_the_other_model_type_is_not_used()
    {
        var layer = BertScoreLayer.Choose(Checkpoint("ckpt", modelType: "bert", layers: 24, nameOrPath: "roberta-large"), null);
        Assert.Equal((24, BertScoreLayerSource.Last), (layer.Index, layer.Source));
        Assert.Contains("(17, of a roberta model) does not fit this bert checkpoint with 24 layers", layer.Reason);
    }

    [Fact]
    public void Without_a_layer_a_llama_or_a_missing_config_is_an_error_that_names_the_file()
    {
        var llama = Checkpoint("llama", modelType: "llama");
        var e = Assert.Throws<InvalidInputException>(() => BertScoreLayer.Choose(llama, null));
        Assert.Equal($"{Path.Combine(llama, "config.json")}: model_type \"llama\" has no default bertscore layer (only bert and roberta do): give one", e.Message);
        var missing = Assert.Throws<InvalidInputException>(() => BertScoreLayer.Choose(_temp.File("none"), null));
        Assert.Contains(Path.Combine(_temp.File("none"), "config.json") + ": no such file", missing.Message);
    }
}
