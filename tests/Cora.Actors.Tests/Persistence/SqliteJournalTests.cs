using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Cora.Actors.Tests.Persistence;

/// <summary>The coordinator's persistence on a SQLite file (one node's default journal).</summary>
public sealed class SqliteJournalTests : CoordinatorJournalTests
{
    public SqliteJournalTests() : base(new TempDirectory())
    {
    }

    protected override string SnapshotTable => "snapshot";

    protected override DbConnection OpenDatabase()
    {
        // No pooling: the temp directory is deleted after the test.
        var connection = new SqliteConnection($"Data Source={JournalTarget};Pooling=False");
        connection.Open();
        return connection;
    }
}
