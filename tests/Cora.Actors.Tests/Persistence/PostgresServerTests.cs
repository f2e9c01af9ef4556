using Cora.Tests;
using Npgsql;

namespace Cora.Actors.Tests.Persistence;

/// <summary>The test PostgreSQL server itself: what later cluster tests rely on when they stop,
/// crash and restart it. Each test starts a server of its own, so the shared one is never stopped.</summary>
public sealed class PostgresServerTests
{
    [Fact]
    public void Data_written_before_a_stop_is_there_after_a_start_on_the_same_port()
    {
        using var server = new PostgresServer();
        var database = server.CreateDatabase();
        Execute(database, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)");

        server.Stop();
        Assert.False(server.Running);
        Assert.Throws<NpgsqlException>(() => Scalar(database, "SELECT 1"));
        server.Start();

        Assert.Equal(7, Scalar(database, "SELECT id FROM kept"));
    }

    [Fact]
    public void A_killed_server_recovers_committed_data_and_dispose_removes_everything()
    {
        string root;
        using (var server = new PostgresServer())
        {
            root = server.Root;
            var database = server.CreateDatabase();
            Execute(database, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)");
            server.Kill();
            server.Start();
            Assert.Equal(7, Scalar(database, "SELECT id FROM kept"));
            Assert.NotEqual(server.CreateDatabase(), database);
        }
        Assert.False(Directory.Exists(root));
    }

    private static void Execute(string connectionString, string sql) => Scalar(connectionString, sql);

    private static int Scalar(string connectionString, string sql)
    {
        // No pooling: a pooled connection would outlive the restarts under test.
        using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar() is int value ? value : -1;
    }
}
