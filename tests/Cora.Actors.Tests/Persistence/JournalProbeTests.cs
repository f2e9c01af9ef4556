using System.Net;
using System.Net.Sockets;
using Cora.Actors.Persistence;
using Microsoft.Data.Sqlite;

namespace Cora.Actors.Tests.Persistence;

/// <summary>The journal check of a node's readiness on real databases: a SQLite file and a
/// PostgreSQL port (the PostgreSQL server going down and back is in Cora.Cluster.Tests'
/// NodeHealthTests).</summary>
public sealed class JournalProbeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_sqlite_journal_answers_and_a_missing_file_fails_without_being_created()
    {
        using var directory = new TempDirectory();
        var journal = directory.File("journal.db");
        await using (var connection = new SqliteConnection($"Data Source={journal};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE event_journal (ordering INTEGER PRIMARY KEY)";
            await create.ExecuteNonQueryAsync();
        }
        await JournalProbe.CheckAsync(journal, Timeout, CancellationToken.None);

        var missing = directory.File("missing.db");
        var failure = await Assert.ThrowsAsync<SqliteException>(() => JournalProbe.CheckAsync(missing, Timeout, CancellationToken.None));
        Assert.Equal("SQLite error 14", JournalProbe.Reason(failure));   // SQLITE_CANTOPEN
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public async Task A_postgresql_port_nothing_listens_on_fails_with_a_reason_that_names_no_host()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var target = $"Host=127.0.0.1;Port={port};Username=cora;Password=secret;Database=cora";
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => JournalProbe.CheckAsync(target, Timeout, CancellationToken.None));
        var reason = JournalProbe.Reason(failure);
        Assert.Equal("cannot connect (ConnectionRefused)", reason);
    }
}
