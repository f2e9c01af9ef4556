using Akka.Actor;
using Cora.Actors;
using Cora.Actors.Coordinator;
using Cora.Actors.Grids;
using Cora.Training;
using Cora.Actors.Persistence;

namespace Cora.Cluster.Reports;

/// <summary>
/// Reads sweeps straight from a coordinator journal (SQLite file or PostgreSQL connection string)
/// through a <see cref="SweepBookReader"/> in a local actor system: recovery only, nothing is
/// written, so it is safe beside a running node and on a copy of a journal.
/// </summary>
public sealed class JournalSweepSource : ISweepSource
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly ActorSystem _system;
    private readonly IActorRef _reader;

    private JournalSweepSource(ActorSystem system, PlanStore plans)
    {
        _system = system;
        _reader = system.ActorOf(SweepBookReader.Props(plans), "sweep-book-reader");
    }

    /// <exception cref="FileNotFoundException">A SQLite journal file that does not exist (opening it would create an empty one).</exception>
    /// <param name="artifacts">The artifact store whose plans/ the journal's sweeps name; null: the
    /// SQLite journal's own folder (where `cora run` keeps both).</param>
    public static JournalSweepSource Open(string target, string? artifacts = null)
    {
        var postgres = JournalConfig.IsPostgres(target);
        if (!postgres && !File.Exists(target))
            throw new FileNotFoundException($"{target}: no such journal (the SQLite file `cora run` keeps in ARTIFACTS/cora.db, or a PostgreSQL connection string)", target);
        // Warnings and errors only: the report's own progress is what stderr should show.
        var quiet = Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = WARNING");
        if (artifacts is null && postgres)
            throw new InvalidInputException("--db with a PostgreSQL journal needs --artifacts: the artifact store whose plans/ holds the sweeps' plans");
        var plans = PlanStore.In(artifacts ?? Path.GetDirectoryName(Path.GetFullPath(target))!);
        return new JournalSweepSource(ActorSystem.Create("cora-report", quiet.WithFallback(JournalConfig.For(target)).WithFallback(CoraConfig.Reference)), plans);
    }

    public Task<SweepList> List(CancellationToken cancellation) => _reader.Ask<SweepList>(ListSweeps.Instance, Timeout, cancellation);

    public Task<SweepResults> Results(string sweepId, CancellationToken cancellation) =>
        _reader.Ask<SweepResults>(new GetSweepResults(sweepId), Timeout, cancellation);

    public async ValueTask DisposeAsync() => await _system.Terminate();
}
