namespace Cora.Training.Scoring;

/// <summary>ROUGE F-measures (0..1) of one prediction against one reference.</summary>
public sealed record RougeScores(double Rouge1, double Rouge2, double RougeL, double RougeLsum);
