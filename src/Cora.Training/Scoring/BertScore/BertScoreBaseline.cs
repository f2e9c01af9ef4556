using System.Globalization;

namespace Cora.Training.Scoring.BertScore;

/// <summary>
/// Baseline rescaling (bert-score's <c>rescale_with_baseline</c>): <c>(x − b) / (1 − b)</c> for
/// each of P, R and F with that metric's baseline b for the layer scored. F is rescaled with its
/// own baseline, not recomputed from the rescaled P and R.
/// </summary>
/// <remarks>
/// Baseline files are bert-score's <c>rescale_baseline/&lt;lang&gt;/&lt;model&gt;.tsv</c>, which despite the
/// name are comma-separated: a header <c>LAYER,P,R,F</c>, then one row per layer, 0 … N in order.
/// bert-score picks row <c>iloc[num_layers]</c>; Cora picks the row whose LAYER is the layer,
/// the same row in those files, and fails when there is none. Tabs are accepted as separators too.
/// </remarks>
public sealed record BertScoreBaseline(double Precision, double Recall, double F1)
{
    /// <summary>Reads the baseline of <paramref name="layer"/> from <paramref name="path"/>; errors name the file and line.</summary>
    public static BertScoreBaseline Load(string path, int layer)
    {
        if (!File.Exists(path)) throw new InvalidInputException($"{path}: no such baseline file");
        var lines = File.ReadAllLines(path);
        static string[] Fields(string line) => line.Split([',', '\t']).Select(f => f.Trim()).ToArray();
        if (lines.Length == 0 || !Fields(lines[0]).SequenceEqual(["LAYER", "P", "R", "F"], StringComparer.OrdinalIgnoreCase))
            throw new InvalidInputException($"{path}: line 1 must be the header LAYER,P,R,F (a bert-score baseline file)");
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            var fields = Fields(lines[i]);
            var numbers = new double[fields.Length];
            if (fields.Length != 4 || !fields.Select((f, k) => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[k])).All(ok => ok))
                throw new InvalidInputException($"{path}: line {i + 1} is not four numbers LAYER,P,R,F: '{lines[i]}'");
            if (numbers[0] == layer) return new BertScoreBaseline(numbers[1], numbers[2], numbers[3]);
        }
        throw new InvalidInputException($"{path}: no baseline for layer {layer}");
    }

    public BertScoreValues Rescale(BertScoreValues raw) => new(
        (raw.Precision - Precision) / (1 - Precision),
        (raw.Recall - Recall) / (1 - Recall),
        (raw.F1 - F1) / (1 - F1));
}
