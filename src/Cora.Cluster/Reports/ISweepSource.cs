using Cora.Actors.Coordinator;

namespace Cora.Cluster.Reports;

/// <summary>Where a report reads sweeps from: a coordinator's journal (read-only) or a running cluster's console.</summary>
public interface ISweepSource : IAsyncDisposable
{
    /// <summary>Every sweep, in submission order.</summary>
    Task<SweepList> List(CancellationToken cancellation);

    /// <summary>The sweep's rows (none for an unknown id).</summary>
    Task<SweepResults> Results(string sweepId, CancellationToken cancellation);
}
