using System.Data.Common;
using Cora.Tests;
using Npgsql;

namespace Cora.Actors.Tests.Persistence;

/// <summary>
/// The coordinator's persistence on PostgreSQL (a cluster's shared journal), with the table
/// mapping <c>postgresql</c>: <c>public.event_journal</c> and <c>public.snapshot_store</c>.
/// One server serves the collection; every test gets a database of its own.
/// </summary>
[Collection(PostgresGroup.Name)]
public sealed class PostgresJournalTests : CoordinatorJournalTests
{
    public PostgresJournalTests(PostgresServer server) : base(server.CreateDatabase())
    {
    }

    protected override string SnapshotTable => "snapshot_store";

    protected override DbConnection OpenDatabase()
    {
        var connection = new NpgsqlConnection(JournalTarget);
        connection.Open();
        return connection;
    }
}
