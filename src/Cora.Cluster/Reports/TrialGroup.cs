namespace Cora.Cluster.Reports;

/// <summary>One row of a table: a method at a rank, with its number of source models (0 for methods without).</summary>
public sealed record TrialGroup(string Method, int Rank, int Sources)
{
    public override string ToString() => Sources > 0 ? $"{Method} r={Rank} ({Sources} source{(Sources == 1 ? "" : "s")})" : $"{Method} r={Rank}";
}
