namespace Cora.Cluster.Reports;

/// <summary>What the data says of one claim at this scale.</summary>
public enum ClaimOutcome
{
    /// <summary>The test's 95% interval is where the claim says it is.</summary>
    Holds,
    /// <summary>The 95% interval excludes what the claim says.</summary>
    DoesNotHold,
    /// <summary>The interval straddles the line: more seeds or examples are needed.</summary>
    Inconclusive,
    /// <summary>The sweep has no trials to test it with.</summary>
    Untested,
}

public static class ClaimOutcomes
{
    public static string Text(this ClaimOutcome outcome) => outcome switch
    {
        ClaimOutcome.Holds => "holds",
        ClaimOutcome.DoesNotHold => "does not hold",
        ClaimOutcome.Inconclusive => "inconclusive",
        _ => "not tested",
    };

    /// <summary>A claim made of several tests holds when every test that could run holds, and
    /// fails when any fails.</summary>
    public static ClaimOutcome All(IReadOnlyList<ClaimOutcome> outcomes)
    {
        var tested = outcomes.Where(o => o != ClaimOutcome.Untested).ToList();
        return tested.Count == 0 ? ClaimOutcome.Untested
            : tested.Contains(ClaimOutcome.DoesNotHold) ? ClaimOutcome.DoesNotHold
            : tested.All(o => o == ClaimOutcome.Holds) ? ClaimOutcome.Holds
            : ClaimOutcome.Inconclusive;
    }
}
