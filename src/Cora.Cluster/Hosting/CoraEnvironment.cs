using System.Text.Json;
using Akka.Configuration;

namespace Cora.Cluster.Hosting;

/// <summary>
/// The one list of the environment variables a node or a console reads, each with the config key
/// it sets. They go over a node's config file (and hocon/node.conf as shipped) and under its
/// command-line options; a console reads the same ones. (Grid files name theirs, such as
/// <c>${?CORA_ZOO}</c>, themselves: hocon/README.md.)
/// </summary>
public static class CoraEnvironment
{
    public sealed record Variable(string Name, string? Key, string Meaning);

    public static readonly Variable Db = new("CORA_DB", "cora.journal", "the journal: a SQLite file or a PostgreSQL connection string");
    public static readonly Variable Token = new("CORA_TOKEN", "cora.console.token", "the console token, on nodes and consoles alike");
    public static readonly Variable CertsDir = new("CORA_CERTS_DIR", "cora.tls.certs-dir", "the certificates from `cora cert` (ca.crt, node.pfx or client.pfx)");
    public static readonly Variable TlsPassword = new("CORA_TLS_PASSWORD", "cora.tls.password", "the password of node.pfx / client.pfx");
    public static readonly Variable LogFormat = new("CORA_LOG_FORMAT", "cora.logging.format", "text or json log lines on stderr");
    public static readonly Variable Contact = new("CORA_CONTACT", null, "a console's nodes, host:port[,host:port…] (its --contact)");

    public static IReadOnlyList<Variable> All { get; } = [Db, Token, CertsDir, TlsPassword, LogFormat, Contact];

    /// <summary>The value of <paramref name="variable"/>, or null when it is unset or empty.</summary>
    public static string? Get(Variable variable, Func<string, string?>? environment = null) =>
        (environment ?? Environment.GetEnvironmentVariable)(variable.Name) is { Length: > 0 } value ? value : null;

    /// <summary>The config the set variables make (paths made absolute).</summary>
    public static Config Overrides(Func<string, string?>? environment = null)
    {
        var lines = All.Where(v => v.Key is not null && Get(v, environment) is not null)
            .Select(v => $"{v.Key} = {JsonSerializer.Serialize(v == CertsDir ? Path.GetFullPath(Get(v, environment)!) : Get(v, environment))}");
        return ConfigurationFactory.ParseString(string.Join('\n', lines));
    }

    /// <summary>The list for <c>--help</c> texts.</summary>
    public static string Describe() => string.Join('\n', All.Select(v => $"  {v.Name,-18} {v.Meaning}{(v.Key is null ? "" : $" ({v.Key})")}"));
}
