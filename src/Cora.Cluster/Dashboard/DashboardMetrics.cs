using System.Diagnostics.Metrics;

namespace Cora.Cluster.Dashboard;

/// <summary>
/// The cluster-wide gauges of <c>/metrics</c>, observed from the node's latest
/// <see cref="DashboardState"/> at scrape time: trials by state, sweeps by state, trainer slots
/// (and how many are busy) per node, training throughput per node, and cluster members by status.
/// Every node that serves <c>/metrics</c> reports the same cluster-wide values, from its own view.
/// </summary>
public sealed class DashboardMetrics : IDisposable
{
    public const string MeterName = "Cora.Cluster";

    private readonly Meter _meter = new(MeterName);

    public DashboardMetrics(DashboardStore store)
    {
        DashboardState State() => store.Current.State;
        _meter.CreateObservableGauge("cora.trials", () =>
        {
            var t = State().Trials;
            return new[] { ("pending", t.Pending), ("running", t.Running), ("succeeded", t.Succeeded), ("failed", t.Failed) }
                .Select(s => new Measurement<long>(s.Item2, Tag("state", s.Item1)));
        }, description: "Distinct trials the coordinator knows, by state");
        _meter.CreateObservableGauge("cora.sweeps", () => State().Sweeps.GroupBy(s => s.State)
            .Select(g => new Measurement<long>(g.Count(), Tag("state", g.Key))), description: "Sweeps by state");
        _meter.CreateObservableGauge("cora.trainer.slots", () => State().Members.Where(m => m.Slots.Count > 0)
            .Select(m => new Measurement<long>(m.Slots.Count, Tag("node", m.Address))), description: "Trainer slots (GPUs, or CPU slots) per node");
        _meter.CreateObservableGauge("cora.trainer.slots.busy", () => State().Members.Where(m => m.Slots.Count > 0)
            .Select(m => new Measurement<long>(m.Slots.Count(s => s.Busy), Tag("node", m.Address))), description: "Trainer slots running a trial, per node");
        _meter.CreateObservableGauge("cora.trainer.quarantined", () => State().Members.SelectMany(m => m.Slots.Where(s => s.Quarantined is not null)
            .Select(s => new Measurement<long>(1, Tag("node", m.Address), Tag("slot", s.Slot.ToString(System.Globalization.CultureInfo.InvariantCulture)), Tag("reason", s.Quarantined!)))),
            description: "Trainer slots that quarantined themselves after node faults (1 per slot, with the reason)");
        _meter.CreateObservableGauge("cora.training.tokens_per_second", () => State().Running.Where(r => r.TokensPerSecond is not null)
            .GroupBy(r => r.Node).Select(g => new Measurement<double>(g.Sum(r => r.TokensPerSecond!.Value), Tag("node", g.Key))),
            description: "Training tokens per second of the trials running now, per node");
        _meter.CreateObservableGauge("cora.cluster.members", () => State().Members
            .GroupBy(m => m.Reachable ? m.Status : "unreachable")
            .Select(g => new Measurement<long>(g.Count(), Tag("status", g.Key))), description: "Cluster members by status (unreachable ones apart)");
    }

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);

    public void Dispose() => _meter.Dispose();
}
