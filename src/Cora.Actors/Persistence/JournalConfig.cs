using Akka.Configuration;
using Akka.Persistence.Sql.Hosting;

namespace Cora.Actors.Persistence;

/// <summary>
/// Akka.Persistence.Sql settings for the journal and snapshot store: a SQLite file for one node
/// (zero setup) or a PostgreSQL connection string for a cluster, where the coordinator singleton
/// moves between nodes and so needs a shared journal. Tables are created on first use.
/// </summary>
/// <remarks>
/// One description, two uses: a node hands <see cref="Options"/> to Akka.Hosting
/// (<c>WithSqlPersistence</c>); an actor system made without the host (reports, tests) takes the
/// same options as HOCON (<see cref="For"/>). The circuit breakers of both stores are set in
/// reference.conf (short reset-timeouts, so that the journal is tried again seconds after an
/// outage ends), where a node config can change them; the options hold only what the target decides.
/// </remarks>
public static class JournalConfig
{
    /// <summary>The journal and snapshot-store options for <paramref name="target"/>: one that looks
    /// like a PostgreSQL connection string (<c>Host=…;Database=…</c>) selects PostgreSQL; anything
    /// else is a SQLite file path, whose directory is created.</summary>
    public static (SqlJournalOptions Journal, SqlSnapshotOptions Snapshots) Options(string target)
    {
        var postgres = IsPostgres(target);
        string connection;
        if (postgres)
        {
            connection = target;
        }
        else
        {
            var path = SqlitePath(target);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            // Shared cache off, pooling on: one writer (the coordinator) per file.
            connection = $"Data Source={path};Pooling=True";
        }
        var provider = postgres ? "PostgreSQL.15" : "SQLite.MS";
        var mapping = postgres ? DatabaseMapping.PostgreSql : DatabaseMapping.Sqlite;
        var journal = new SqlJournalOptions(isDefaultPlugin: true)
        {
            ConnectionString = connection,
            ProviderName = provider,
            AutoInitialize = true,
            DatabaseOptions = mapping.JournalOption(),
        };
        var snapshots = new SqlSnapshotOptions(isDefaultPlugin: true)
        {
            ConnectionString = connection,
            ProviderName = provider,
            AutoInitialize = true,
            DatabaseOptions = mapping.SnapshotOption(),
        };
        return (journal, snapshots);
    }

    /// <summary><see cref="Options"/> as HOCON, over the plugins' defaults, for an actor system
    /// made without Akka.Hosting.</summary>
    public static Config For(string target)
    {
        var (journal, snapshots) = Options(target);
        return journal.ToConfig().WithFallback(snapshots.ToConfig()).WithFallback(journal.DefaultConfig).WithFallback(snapshots.DefaultConfig);
    }

    /// <summary>Whether <paramref name="target"/> is a PostgreSQL connection string (it names a
    /// <c>Host=</c>) rather than a SQLite file.</summary>
    public static bool IsPostgres(string target) => target.Contains("Host=", StringComparison.OrdinalIgnoreCase);

    /// <summary>The SQLite file a non-PostgreSQL <paramref name="target"/> names, as an absolute path.</summary>
    public static string SqlitePath(string target) => Path.GetFullPath(target);
}
