using Cora.Actors.Control;
using Cora.Actors.Coordinator;
using Cora.Cluster.Hosting;

namespace Cora.Cluster.Reports;

/// <summary>Reads sweeps from a running cluster through the console (<c>sweep-list</c>, <c>sweep-results</c>).</summary>
public sealed class ConsoleSweepSource(ConsoleClient client) : ISweepSource
{
    public Task<SweepList> List(CancellationToken cancellation) =>
        client.Ask<SweepList>(new ConsoleCommand.SweepList(), cancellation);

    public Task<SweepResults> Results(string sweepId, CancellationToken cancellation) =>
        client.Results(sweepId, cancellation);

    public ValueTask DisposeAsync() => client.DisposeAsync();
}
