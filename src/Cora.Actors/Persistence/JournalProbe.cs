using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Cora.Actors.Persistence;

/// <summary>
/// Whether the journal's database answers now: a fresh connection and one short query, within a
/// deadline. Nothing is created: a SQLite file is opened read-only (a missing file fails, rather
/// than appearing as a new empty one), and PostgreSQL is asked <c>SELECT 1</c>, which needs no
/// table, so a role without DDL rights (deploy/postgresql/tables.sql) passes as its journal does.
/// No pooling: a broken pooled connection would fail the first check after the database is back,
/// and a pool would keep connections open between checks.
/// </summary>
public static class JournalProbe
{
    /// <summary>Returns when the journal <paramref name="target"/> (as in <c>cora.journal</c>)
    /// answered; throws the driver's exception when it did not, or a <see cref="TimeoutException"/>
    /// when it took longer than <paramref name="timeout"/>.</summary>
    public static async Task CheckAsync(string target, TimeSpan timeout, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        var seconds = (int)Math.Ceiling(timeout.TotalSeconds);
        var postgres = JournalConfig.IsPostgres(target);
        await using DbConnection connection = postgres
            ? new NpgsqlConnection(new NpgsqlConnectionStringBuilder(target) { Pooling = false, Timeout = seconds, CommandTimeout = seconds }.ConnectionString)
            : new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = JournalConfig.SqlitePath(target),
                Mode = SqliteOpenMode.ReadOnly,
                Pooling = false,
                DefaultTimeout = seconds,
            }.ConnectionString);
        try
        {
            await connection.OpenAsync(deadline.Token).ConfigureAwait(false);
            await using var query = connection.CreateCommand();
            // SQLite opens files lazily: reading the schema is what proves the file is a database.
            query.CommandText = postgres ? "SELECT 1" : "SELECT count(*) FROM sqlite_master";
            query.CommandTimeout = seconds;
            await query.ExecuteScalarAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (deadline.IsCancellationRequested && !cancellation.IsCancellationRequested && e is OperationCanceledException or NpgsqlException)
        {
            throw new TimeoutException($"no answer within {seconds.ToString(CultureInfo.InvariantCulture)} s", e);
        }
    }

    /// <summary>What <see cref="CheckAsync"/>'s failure says in a few words that reveal nothing of
    /// the connection string (no host, user or path): what a health endpoint may show to anyone.
    /// The node's log has the whole exception.</summary>
    public static string Reason(Exception failure) => failure switch
    {
        TimeoutException timeout => timeout.Message,
        _ when Find<TimeoutException>(failure) is not null => "timed out",
        PostgresException postgres => $"PostgreSQL error {postgres.SqlState}",
        SqliteException sqlite => $"SQLite error {sqlite.SqliteErrorCode.ToString(CultureInfo.InvariantCulture)}",
        _ when Find<SocketException>(failure) is { } socket => $"cannot connect ({socket.SocketErrorCode})",
        _ => failure.GetType().Name,
    };

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
            if (e is T found) return found;
        return null;
    }
}
