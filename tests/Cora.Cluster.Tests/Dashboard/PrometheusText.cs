using System.Globalization;
using System.Text.RegularExpressions;

namespace Cora.Cluster.Tests.Dashboard;

/// <summary>Reads samples out of the Prometheus text exposition format (what /metrics serves).</summary>
public static partial class PrometheusText
{
    /// <summary>The value of the one sample of <paramref name="name"/> whose labels include all of
    /// <paramref name="labels"/>; fails when there is none or more than one.</summary>
    public static double Sample(string exposition, string name, params (string Key, string Value)[] labels)
    {
        var matches = exposition.Split('\n')
            .Select(line => SampleLine().Match(line))
            .Where(m => m.Success && m.Groups["name"].Value == name)
            .Where(m =>
            {
                var found = LabelPair().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value);
                return labels.All(l => found.TryGetValue(l.Key, out var v) && v == l.Value);
            })
            .ToList();
        Assert.True(matches.Count == 1, $"expected one sample {name}{{{string.Join(',', labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}}, found {matches.Count} in:\n{exposition}");
        return double.Parse(matches[0].Groups["value"].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>\S+)")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(\w+)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
