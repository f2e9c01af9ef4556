namespace Cora.Training.Scoring.BertScore;

/// <summary>BERTScore of one candidate against one reference: precision, recall, F1.</summary>
public readonly record struct BertScoreValues(double Precision, double Recall, double F1);
