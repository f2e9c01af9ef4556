using Cora.Training.Scoring.BertScore;

namespace Cora.Training.Tests.Scoring.BertScore;

/// <summary>The table against bert-score's <c>model2layers</c>: values pinned, only runnable models kept.</summary>
public sealed class TunedLayersTests
{
    [Theory]
    [InlineData("bert-base-uncased", 9)]
    [InlineData("bert-large-uncased", 18)]
    [InlineData("bert-base-multilingual-cased", 9)]
    [InlineData("bert-base-chinese", 8)]
    [InlineData("roberta-base", 10)]
    [InlineData("roberta-large", 17)]
    [InlineData("roberta-large-mnli", 19)]
    [InlineData("roberta-large-openai-detector", 15)]
    [InlineData("distilroberta-base", 5)]
    [InlineData("allenai/scibert_scivocab_uncased", 8)]
    [InlineData("google/bert_uncased_L-8_H-512_A-8", 6)]
    [InlineData("google/bert_uncased_L-12_H-256_A-4", 11)]
    [InlineData("SpanBERT/spanbert-large-cased", 17)]
    [InlineData("princeton-nlp/sup-simcse-roberta-large", 16)]
    [InlineData("dbmdz/bert-base-turkish-cased", 10)]
    public void Layers_are_bert_scores(string name, int layer) => Assert.Equal(layer, TunedLayers.Find(name)?.Layer);

    [Theory]
    [InlineData("distilbert-base-uncased")]             // model_type distilbert
    [InlineData("dbmdz/distilbert-base-turkish-cased")]
    [InlineData("xlm-roberta-large")]                   // model_type xlm-roberta
    [InlineData("microsoft/deberta-xlarge-mnli")]
    [InlineData("google/bigbird-roberta-base")]
    [InlineData("amazon/bort")]                         // BERT encoder, RoBERTa tokenizer
    [InlineData("vinai/bertweet-base")]                 // fastBPE tokenizer
    [InlineData("zhiheng-huang/bert-base-uncased-embedding-relative-key")]
    public void Models_cora_cannot_run_are_left_out(string name) => Assert.Null(TunedLayers.Find(name));

    [Fact]
    public void Every_entry_is_bert_or_roberta_and_names_are_unique()
    {
        Assert.Equal(50, TunedLayers.All.Count);
        Assert.All(TunedLayers.All, e => Assert.Contains(e.ModelType, new[] { "bert", "roberta" }));
        Assert.Equal(TunedLayers.All.Count, TunedLayers.All.Select(e => e.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Theory]
    [InlineData("FacebookAI/roberta-large", "roberta-large")]
    [InlineData("facebookai/ROBERTA-LARGE", "roberta-large")]
    [InlineData("google-bert/bert-base-uncased", "bert-base-uncased")]
    [InlineData("openai-community/roberta-base-openai-detector", "roberta-base-openai-detector")]
    [InlineData("distilbert/distilroberta-base", "distilroberta-base")]
    public void Current_hub_ids_and_any_case_find_bert_scores_entry(string name, string entry) =>
        Assert.Equal(entry, TunedLayers.Find(name)?.Name);

    [Fact]
    public void Only_the_moved_models_have_a_hub_alias()
    {
        Assert.Null(TunedLayers.Find("google-bert/roberta-large"));
        Assert.Null(TunedLayers.Find("FacebookAI/allenai/scibert_scivocab_uncased"));
    }
}
