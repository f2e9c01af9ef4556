using Cora.Training.Generation;
using Cora.Training.Scoring.BertScore;

namespace Cora.Training.Scoring;

/// <summary>Scores of a predictions file: corpus-level values and per-pair values, keyed by the
/// names of <c>fixtures/metrics/expected.json</c>. Pairs keep the file's order.</summary>
public sealed record EvaluationReport(
    IReadOnlyDictionary<string, object> Corpus,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Pairs);

/// <summary>
/// Runs the requested metrics over predictions, with the reference implementations' semantics
/// (see each metric's class). Corpus BLEU is real corpus BLEU (statistics summed, scored once),
/// not a mean of sentence scores.
/// </summary>
public static class Evaluation
{
    public const string RougeName = "rouge";
    public const string SacreBleuName = "sacrebleu";
    public const string MeteorName = "meteor";
    public const string BertScoreName = "bertscore";

    /// <summary>The metrics this build can compute, in the order their keys are written.</summary>
    public static readonly IReadOnlyList<string> Available = [RougeName, SacreBleuName, MeteorName, BertScoreName];

    /// <summary>The metrics that need nothing but the texts (BERTScore needs a model).</summary>
    public static readonly IReadOnlyList<string> TextOnly = [RougeName, SacreBleuName, MeteorName];

    /// <summary>
    /// Scores <paramref name="predictions"/> with <paramref name="metrics"/>. BERTScore needs
    /// <paramref name="bertScore"/> (which model, layer, idf, baseline); it adds per pair
    /// <c>bertscore_precision</c>, <c>bertscore_recall</c>, <c>bertscore_f1</c>, and to the corpus
    /// their plain means plus <c>bertscore_model</c>, <c>bertscore_model_type</c>,
    /// <c>bertscore_layer</c> with why (<c>bertscore_layer_source</c>: given, tuned or last;
    /// <c>bertscore_layer_tuned_for</c>, bert-score's model name, when tuned;
    /// <c>bertscore_layer_reason</c>, a sentence), <c>bertscore_idf</c>, <c>bertscore_rescaled</c> (with
    /// <c>bertscore_baseline</c>, the file, when true) and <c>bertscore_comparable</c> — false in
    /// Llama base mode, which also writes <c>bertscore_note</c> saying why.
    /// </summary>
    public static EvaluationReport Score(IReadOnlyList<Prediction> predictions, IReadOnlyCollection<string> metrics,
        BertScoreOptions? bertScore = null)
    {
        var unknown = metrics.Where(m => !Available.Contains(m)).ToList();
        if (unknown.Count > 0)
            throw new InvalidInputException($"unknown metric(s) {string.Join(", ", unknown)} (available: {string.Join(", ", Available)})");
        if (metrics.Contains(BertScoreName) && bertScore is null)
            throw new InvalidInputException("bertscore needs a model: give a BERT or RoBERTa checkpoint directory (or a Llama one for base mode)");

        var pairs = predictions.ToDictionary(p => p.Id, _ => new Dictionary<string, double>(StringComparer.Ordinal), StringComparer.Ordinal);
        var corpus = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metrics.Contains(RougeName))
        {
            // ROUGE always reports both tokenizations, without and with Porter stemming.
            foreach (var (suffix, stem) in new[] { ("", false), ("_stem", true) })
            {
                foreach (var p in predictions)
                {
                    var scores = Rouge.Score(p.Text, p.Reference, stem);
                    pairs[p.Id]["rouge1" + suffix] = scores.Rouge1;
                    pairs[p.Id]["rouge2" + suffix] = scores.Rouge2;
                    pairs[p.Id]["rougeL" + suffix] = scores.RougeL;
                    pairs[p.Id]["rougeLsum" + suffix] = scores.RougeLsum;
                }
                foreach (var key in new[] { "rouge1", "rouge2", "rougeL", "rougeLsum" })
                    corpus[key + suffix] = Mean(predictions.Select(p => pairs[p.Id][key + suffix]));
            }
        }
        if (metrics.Contains(SacreBleuName))
        {
            foreach (var p in predictions) pairs[p.Id]["sentence_bleu"] = SacreBleu.Sentence(p.Text, p.Reference);
            var bleu = SacreBleu.Corpus(predictions.Select(p => (p.Text, p.Reference)).ToList());
            corpus["bleu"] = bleu.Score;
            corpus["bleu_precisions"] = bleu.Precisions;
            corpus["bleu_counts"] = bleu.Counts;
            corpus["bleu_totals"] = bleu.Totals;
            corpus["bleu_bp"] = bleu.BrevityPenalty;
            corpus["sys_len"] = bleu.SysLen;
            corpus["ref_len"] = bleu.RefLen;
        }
        if (metrics.Contains(MeteorName))
        {
            foreach (var p in predictions) pairs[p.Id]["meteor"] = Meteor.Score(p.Text, p.Reference);
            corpus["meteor"] = Mean(predictions.Select(p => pairs[p.Id]["meteor"]));
        }
        if (metrics.Contains(BertScoreName)) ScoreBert(predictions, bertScore!, pairs, corpus);
        corpus["n_pairs"] = predictions.Count;
        return new EvaluationReport(corpus, pairs.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, double>)p.Value, StringComparer.Ordinal));
    }

    private static void ScoreBert(IReadOnlyList<Prediction> predictions, BertScoreOptions options,
        Dictionary<string, Dictionary<string, double>> pairs, Dictionary<string, object> corpus)
    {
        using var scorer = BertScorer.Load(options);
        var scores = scorer.Score(predictions.Select(p => (p.Text, p.Reference)).ToList());
        for (var i = 0; i < predictions.Count; i++)
        {
            var values = pairs[predictions[i].Id];
            values["bertscore_precision"] = scores[i].Precision;
            values["bertscore_recall"] = scores[i].Recall;
            values["bertscore_f1"] = scores[i].F1;
        }
        foreach (var key in new[] { "bertscore_precision", "bertscore_recall", "bertscore_f1" })
            corpus[key] = Mean(predictions.Select(p => pairs[p.Id][key]));
        var settings = scorer.Settings;
        corpus["bertscore_model"] = settings.Model;
        corpus["bertscore_model_type"] = settings.ModelType;
        corpus["bertscore_layer"] = settings.Layer.Index;
        corpus["bertscore_layer_source"] = settings.Layer.Source.Name();
        if (settings.Layer.TunedFor is { } tunedFor) corpus["bertscore_layer_tuned_for"] = tunedFor;
        corpus["bertscore_layer_reason"] = settings.Layer.Reason;
        corpus["bertscore_idf"] = settings.Idf;
        corpus["bertscore_rescaled"] = settings.Baseline is not null;
        if (settings.Baseline is not null) corpus["bertscore_baseline"] = settings.Baseline;
        corpus["bertscore_comparable"] = settings.Comparable;
        if (!settings.Comparable)
            corpus["bertscore_note"] = "base mode: hidden states of a Llama checkpoint, not comparable with published BERTScore";
    }

    /// <summary>The plain mean in file order (<c>s += v; s / n</c>), as the fixtures aggregate per-pair metrics.</summary>
    public static double Mean(IEnumerable<double> values)
    {
        double sum = 0;
        var count = 0;
        foreach (var v in values)
        {
            sum += v;
            count++;
        }
        return count == 0 ? 0 : sum / count;
    }
}
