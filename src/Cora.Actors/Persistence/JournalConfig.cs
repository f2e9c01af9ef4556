using Akka.Configuration;
using Akka.Persistence.Sql;

namespace Cora.Actors.Persistence;

/// <summary>
/// Akka.Persistence.Sql settings for the journal and snapshot store: a SQLite file for one node
/// (zero setup) or a PostgreSQL connection string for a cluster, where the coordinator singleton
/// moves between nodes and so needs a shared journal. Tables are created on first use.
/// The circuit breakers of both are set in reference.conf (short reset-timeouts, so that the
/// journal is tried again seconds after an outage ends), where a node config can change them;
/// this config wins over the node's, so it holds only what the target decides.
/// </summary>
public static class JournalConfig
{
    /// <summary>A <paramref name="target"/> that looks like a PostgreSQL connection string
    /// (<c>Host=…;Database=…</c>) selects PostgreSQL; anything else is a SQLite file path.</summary>
    public static Config For(string target)
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
        var mapping = postgres ? "postgresql" : "sqlite";
        var hocon = $$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  connection-string = {{Quote(connection)}}
                  provider-name = "{{provider}}"
                  table-mapping = {{mapping}}
                  auto-initialize = true
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  connection-string = {{Quote(connection)}}
                  provider-name = "{{provider}}"
                  table-mapping = {{mapping}}
                  auto-initialize = true
                }
              }
            }
            """;
        return ConfigurationFactory.ParseString(hocon).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>Whether <paramref name="target"/> is a PostgreSQL connection string (it names a
    /// <c>Host=</c>) rather than a SQLite file.</summary>
    public static bool IsPostgres(string target) => target.Contains("Host=", StringComparison.OrdinalIgnoreCase);

    /// <summary>The SQLite file a non-PostgreSQL <paramref name="target"/> names, as an absolute path.</summary>
    public static string SqlitePath(string target) => Path.GetFullPath(target);

    private static string Quote(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}
