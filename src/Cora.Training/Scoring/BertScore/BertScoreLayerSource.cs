namespace Cora.Training.Scoring.BertScore;

/// <summary>Why BERTScore embeds with the layer it uses (see <see cref="BertScoreLayer"/>).</summary>
public enum BertScoreLayerSource
{
    /// <summary>The options named it.</summary>
    Given,

    /// <summary>bert-score's tuned layer for the model the checkpoint was identified as (<see cref="TunedLayers"/>).</summary>
    Tuned,

    /// <summary>The last layer: no tuned layer is known for this checkpoint.</summary>
    Last,
}

/// <summary>The report names of <see cref="BertScoreLayerSource"/>.</summary>
public static class BertScoreLayerSources
{
    public static string Name(this BertScoreLayerSource source) => source switch
    {
        BertScoreLayerSource.Given => "given",
        BertScoreLayerSource.Tuned => "tuned",
        BertScoreLayerSource.Last => "last",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, null),
    };
}
