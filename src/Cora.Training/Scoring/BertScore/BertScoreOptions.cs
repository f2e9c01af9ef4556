using System.Text.Json.Serialization;

namespace Cora.Training.Scoring.BertScore;

/// <summary>
/// How to compute BERTScore. <see cref="Model"/> is a checkpoint directory in Hugging Face layout;
/// its config.json <c>model_type</c> picks the mode: <c>bert</c> or <c>roberta</c> (BERTScore as
/// the bert-score package computes it) or <c>llama</c> / <c>mistral</c> (base mode: a Llama
/// checkpoint's hidden states, not comparable with published BERTScore).
/// </summary>
public sealed record BertScoreOptions([property: JsonPropertyName("model")] string Model)
{
    /// <summary>
    /// Which hidden state to embed with (bert-score's <c>num_layers</c>): 0 is the embeddings'
    /// output, L the output of layer L. Given, it always wins. Default for bert/roberta, as in
    /// bert-score: the tuned layer of the named model when the checkpoint is identified as one
    /// (e.g. 17 for roberta-large, 9 for bert-base-uncased; how, see <see cref="BertScoreLayer"/>),
    /// else the last layer. Required for Llama. The layer used and why are in
    /// <see cref="BertScoreSettings.Layer"/>.
    /// </summary>
    [JsonPropertyName("layer")] public int? Layer { get; init; }

    /// <summary>Weight tokens by inverse document frequency over the references.</summary>
    [JsonPropertyName("idf")] public bool Idf { get; init; }

    /// <summary>A bert-score baseline file (LAYER,P,R,F rows) to rescale with, or null for raw scores.</summary>
    [JsonPropertyName("baseline")] public string? Baseline { get; init; }

    /// <summary>Sentences per forward pass.</summary>
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 64;

    /// <summary>cpu, cuda or cuda:N; the model runs in float32 there.</summary>
    [JsonPropertyName("device")] public string Device { get; init; } = "cpu";
}
