using Cora.Training.Generation;

namespace Cora.Training.Metrics;

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

    /// <summary>The metrics this build can compute, in the order their keys are written.</summary>
    public static readonly IReadOnlyList<string> Available = [RougeName, SacreBleuName, MeteorName];

    public static EvaluationReport Score(IReadOnlyList<Prediction> predictions, IReadOnlyCollection<string> metrics)
    {
        var unknown = metrics.Where(m => !Available.Contains(m)).ToList();
        if (unknown.Count > 0)
            throw new InvalidInputException($"unknown metric(s) {string.Join(", ", unknown)} (available: {string.Join(", ", Available)})");

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
        corpus["n_pairs"] = predictions.Count;
        return new EvaluationReport(corpus, pairs.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, double>)p.Value, StringComparer.Ordinal));
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
