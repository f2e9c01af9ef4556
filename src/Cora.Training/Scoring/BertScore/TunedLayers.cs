namespace Cora.Training.Scoring.BertScore;

/// <summary>
/// bert-score's tuned layers (<c>model2layers</c> in <c>bert_score/utils.py</c> of Tiiiger/bert_score, as of commit 19e7f55):
/// the layer bert-score embeds with by default for a named model, chosen there by correlation with
/// human judgements on WMT16. Only the entries Cora can run are kept: BERT and RoBERTa encoders
/// (config.json <c>model_type</c> <c>bert</c> / <c>roberta</c>, absolute positions) whose tokenizer
/// is the one Cora reads for that model_type.
/// </summary>
/// <remarks>
/// Left out of bert-score's table, because Cora cannot score them: every other architecture
/// (DistilBERT — <c>distilbert-base-uncased</c> and the other <c>distilbert-*</c>, model_type
/// <c>distilbert</c> —, XLM-RoBERTa, BigBird, Longformer, ALBERT, ELECTRA, DeBERTa, MPNet,
/// ConvBERT, SqueezeBERT, XLNet, XLM, BART, T5, …); <c>amazon/bort</c> (a BERT encoder with a
/// RoBERTa tokenizer, while Cora picks the tokenizer from model_type); <c>vinai/bertweet-base</c>
/// (a RoBERTa with a fastBPE tokenizer Cora does not read); the <c>zhiheng-huang/…relative-key…</c>
/// BERTs (relative position embeddings, which the encoder loader refuses).
/// Since 2024 the Hugging Face Hub keeps the old unprefixed models under organisations
/// (<c>roberta-large</c> is <c>FacebookAI/roberta-large</c>); a checkpoint downloaded under the new
/// id is the same model, so that id is accepted too and reported under bert-score's name.
/// </remarks>
public static class TunedLayers
{
    /// <summary>One row of the table: bert-score's name for the model, the model_type its
    /// config.json states, the tuned layer, and the Hub organisation that now holds an unprefixed name.</summary>
    public sealed record Entry(string Name, string ModelType, int Layer, string? HubOrganisation = null);

    /// <summary>The rows, in bert-score's order.</summary>
    public static readonly IReadOnlyList<Entry> All =
    [
        new("bert-base-uncased", "bert", 9, "google-bert"),
        new("bert-large-uncased", "bert", 18, "google-bert"),
        new("bert-base-cased-finetuned-mrpc", "bert", 9, "google-bert"),
        new("bert-base-multilingual-cased", "bert", 9, "google-bert"),
        new("bert-base-chinese", "bert", 8, "google-bert"),
        new("roberta-base", "roberta", 10, "FacebookAI"),
        new("roberta-large", "roberta", 17, "FacebookAI"),
        new("roberta-large-mnli", "roberta", 19, "FacebookAI"),
        new("roberta-base-openai-detector", "roberta", 7, "openai-community"),
        new("roberta-large-openai-detector", "roberta", 15, "openai-community"),
        new("allenai/scibert_scivocab_uncased", "bert", 8),
        new("allenai/scibert_scivocab_cased", "bert", 9),
        new("nfliu/scibert_basevocab_uncased", "bert", 9),
        new("distilroberta-base", "roberta", 5, "distilbert"),
        new("google/bert_uncased_L-2_H-128_A-2", "bert", 1),
        new("google/bert_uncased_L-2_H-256_A-4", "bert", 1),
        new("google/bert_uncased_L-2_H-512_A-8", "bert", 1),
        new("google/bert_uncased_L-2_H-768_A-12", "bert", 2),
        new("google/bert_uncased_L-4_H-128_A-2", "bert", 3),
        new("google/bert_uncased_L-4_H-256_A-4", "bert", 3),
        new("google/bert_uncased_L-4_H-512_A-8", "bert", 3),
        new("google/bert_uncased_L-4_H-768_A-12", "bert", 3),
        new("google/bert_uncased_L-6_H-128_A-2", "bert", 5),
        new("google/bert_uncased_L-6_H-256_A-4", "bert", 5),
        new("google/bert_uncased_L-6_H-512_A-8", "bert", 5),
        new("google/bert_uncased_L-6_H-768_A-12", "bert", 5),
        new("google/bert_uncased_L-8_H-128_A-2", "bert", 7),
        new("google/bert_uncased_L-8_H-256_A-4", "bert", 7),
        new("google/bert_uncased_L-8_H-512_A-8", "bert", 6),
        new("google/bert_uncased_L-8_H-768_A-12", "bert", 7),
        new("google/bert_uncased_L-10_H-128_A-2", "bert", 8),
        new("google/bert_uncased_L-10_H-256_A-4", "bert", 8),
        new("google/bert_uncased_L-10_H-512_A-8", "bert", 9),
        new("google/bert_uncased_L-10_H-768_A-12", "bert", 8),
        new("google/bert_uncased_L-12_H-128_A-2", "bert", 10),
        new("google/bert_uncased_L-12_H-256_A-4", "bert", 11),
        new("google/bert_uncased_L-12_H-512_A-8", "bert", 10),
        new("google/bert_uncased_L-12_H-768_A-12", "bert", 9),
        new("SpanBERT/spanbert-base-cased", "bert", 8),
        new("SpanBERT/spanbert-large-cased", "bert", 17),
        new("ProsusAI/finbert", "bert", 10),
        new("princeton-nlp/unsup-simcse-bert-base-uncased", "bert", 10),
        new("princeton-nlp/unsup-simcse-bert-large-uncased", "bert", 18),
        new("princeton-nlp/unsup-simcse-roberta-base", "roberta", 8),
        new("princeton-nlp/unsup-simcse-roberta-large", "roberta", 13),
        new("princeton-nlp/sup-simcse-bert-base-uncased", "bert", 10),
        new("princeton-nlp/sup-simcse-bert-large-uncased", "bert", 18),
        new("princeton-nlp/sup-simcse-roberta-base", "roberta", 10),
        new("princeton-nlp/sup-simcse-roberta-large", "roberta", 16),
        new("dbmdz/bert-base-turkish-cased", "bert", 10),
    ];

    // Hub ids are case-insensitive (the Hub redirects FacebookAI/RoBERTa-large), and so are the
    // directory names people give their copies.
    private static readonly Dictionary<string, Entry> ByName = All
        .SelectMany(e => e.HubOrganisation is null ? [(e.Name, e)] : new[] { (e.Name, e), ($"{e.HubOrganisation}/{e.Name}", e) })
        .ToDictionary(p => p.Item1, p => p.Item2, StringComparer.OrdinalIgnoreCase);

    /// <summary>The entry <paramref name="name"/> (bert-score's name or the model's current Hub id) denotes, or null.</summary>
    public static Entry? Find(string name) => ByName.GetValueOrDefault(name);
}
