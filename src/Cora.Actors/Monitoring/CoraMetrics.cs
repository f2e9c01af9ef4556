using System.Diagnostics.Metrics;

namespace Cora.Actors.Monitoring;

/// <summary>
/// The instruments Cora records where things happen (System.Diagnostics.Metrics, meter
/// <see cref="MeterName"/>). A node's HTTP endpoint exports them in the Prometheus text format
/// (src/Cora.Cluster/Dashboard/); names there get their unit as a suffix
/// (<c>cora_trial_duration_seconds</c>). Cluster-wide gauges (trials by state, slots busy,
/// members) are observed from the dashboard's view of the cluster instead, so they are right on
/// whichever node serves them.
/// </summary>
public static class CoraMetrics
{
    public const string MeterName = "Cora";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Wall time of a finished attempt, from assignment to its result (tags: method,
    /// outcome = succeeded | failed). Recorded by the coordinator.</summary>
    public static readonly Histogram<double> TrialDuration = Meter.CreateHistogram<double>(
        "cora.trial.duration", "s", "Wall time of a finished trial attempt, from assignment to result");

    /// <summary>The coordinator's journal lag: from deciding an event to the journal confirming it
    /// was written (the event takes effect only then). Recorded by the coordinator.</summary>
    public static readonly Histogram<double> JournalLag = Meter.CreateHistogram<double>(
        "cora.coordinator.journal.lag", "s", "Time from a coordinator decision to its journal write being confirmed");

    /// <summary>Bucket bounds, seconds, for <see cref="TrialDuration"/>: a micro-zoo trial takes
    /// seconds, a 13B one hours.</summary>
    public static readonly double[] TrialDurationBuckets = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200];

    /// <summary>Bucket bounds, seconds, for <see cref="JournalLag"/>: SQLite answers in
    /// milliseconds; a struggling PostgreSQL in seconds.</summary>
    public static readonly double[] JournalLagBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
}
