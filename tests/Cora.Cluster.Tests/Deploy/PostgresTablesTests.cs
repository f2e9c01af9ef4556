using System.Text.RegularExpressions;
using Akka.Configuration;
using Cora.Actors.Persistence;

namespace Cora.Cluster.Tests.Deploy;

/// <summary>deploy/postgresql/tables.sql (tables for a role without DDL rights) names the
/// tables and columns that the referenced Akka.Persistence.Sql maps for the journal config Cora
/// uses on PostgreSQL — so an upgrade that renames one fails here, not in production.</summary>
public sealed partial class PostgresTablesTests
{
    private static readonly Config Journal = JournalConfig.For("Host=db;Port=5432;Username=cora;Password=x;Database=cora");

    [Fact]
    public void Tables_sql_creates_exactly_the_tables_and_columns_of_the_postgresql_mapping()
    {
        var expected = new Dictionary<string, SortedSet<string>>();
        var journal = Journal.GetConfig("akka.persistence.journal.sql");
        var mapping = journal.GetConfig(journal.GetString("table-mapping"));
        Assert.Equal("public", mapping.GetString("schema-name"));
        var defaults = journal.GetConfig("default");

        var eventJournal = mapping.GetConfig("journal");
        var skipped = new List<string>();
        // Tags live in their own table (TagTable mode), so the journal has no tags column.
        Assert.Equal("TagTable", journal.GetString("tag-write-mode"));
        skipped.Add("tags");
        if (!eventJournal.GetBoolean("use-writer-uuid-column")) skipped.Add("writer-uuid");
        expected[eventJournal.GetString("table-name")] = Columns(eventJournal, skipped);
        // The postgresql mapping names no tag table: the plugin falls back to the default one.
        var tag = (mapping.HasPath("tag") ? mapping : defaults).GetConfig("tag");
        expected[tag.GetString("table-name")] = Columns(tag, []);
        var snapshots = Journal.GetConfig("akka.persistence.snapshot-store.sql");
        Assert.Equal(journal.GetString("table-mapping"), snapshots.GetString("table-mapping"));
        var snapshot = snapshots.GetConfig(snapshots.GetString("table-mapping")).GetConfig("snapshot");
        expected[snapshot.GetString("table-name")] = Columns(snapshot, []);

        var actual = CreatedTables(File.ReadAllText(DeployFiles.Deploy("postgresql", "tables.sql")));
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (table, columns) in expected)
            Assert.True(columns.SetEquals(actual[table]), $"{table}: expected {string.Join(", ", columns)}; tables.sql has {string.Join(", ", actual[table])}");
    }

    [Fact]
    public void Setup_sql_creates_the_role_and_database_the_connection_strings_name()
    {
        var setup = File.ReadAllText(DeployFiles.Deploy("postgresql", "setup.sql"));
        Assert.Contains("CREATE ROLE cora LOGIN", setup, StringComparison.Ordinal);
        Assert.Contains("CREATE DATABASE cora OWNER cora", setup, StringComparison.Ordinal);
        Assert.Contains("Username=cora;Password=change-me;Database=cora", File.ReadAllText(DeployFiles.Deploy("systemd", "cora.env.example")), StringComparison.Ordinal);
    }

    private static SortedSet<string> Columns(Config table, IReadOnlyList<string> skipped) =>
        [.. table.GetConfig("columns").AsEnumerable().Where(kv => !skipped.Contains(kv.Key)).Select(kv => kv.Value.GetString())];

    private static Dictionary<string, SortedSet<string>> CreatedTables(string sql) =>
        CreateTable().Matches(sql).ToDictionary(
            m => m.Groups["table"].Value,
            m => new SortedSet<string>(m.Groups["body"].Value.Split('\n')
                .Select(line => line.Trim())
                .Where(line => line.Length > 0 && !line.StartsWith("CONSTRAINT", StringComparison.Ordinal))
                .Select(line => line.Split(' ')[0])));

    [GeneratedRegex(@"CREATE TABLE IF NOT EXISTS public\.(?<table>\w+) \((?<body>.*?)\n\);", RegexOptions.Singleline)]
    private static partial Regex CreateTable();
}
