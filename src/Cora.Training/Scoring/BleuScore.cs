namespace Cora.Training.Scoring;

/// <summary>
/// A BLEU result as sacrebleu's <c>BLEUScore</c> reports it: the score and n-gram precisions on
/// 0..100, the matched and total n-gram counts per order, the brevity penalty and both lengths.
/// </summary>
public sealed record BleuScore(
    double Score,
    IReadOnlyList<double> Precisions,
    IReadOnlyList<long> Counts,
    IReadOnlyList<long> Totals,
    double BrevityPenalty,
    long SysLen,
    long RefLen);
