namespace Cora.Training.Scoring.BertScore;

/// <summary>
/// What a BERTScore run used, for the report: the model directory and its model_type, the layer
/// and why that one, idf, the baseline file (null when not rescaled), and whether the numbers are
/// comparable with bert-score's for the same model and settings (false in Llama base mode).
/// </summary>
public sealed record BertScoreSettings(string Model, string ModelType, BertScoreLayer Layer, bool Idf, string? Baseline, bool Comparable);
