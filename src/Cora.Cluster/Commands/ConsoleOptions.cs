using System.CommandLine;
using Cora.Cluster.Hosting;

namespace Cora.Cluster.Commands;

/// <summary>
/// What every console command shares: <c>--contact host:port</c> (repeatable; env CORA_CONTACT,
/// comma-separated), <c>--config FILE</c> (a node config, for TLS settings), <c>--json</c>,
/// <c>--certs-dir DIR</c> (the console's client certificate; env CORA_CERTS_DIR) or
/// <c>--insecure</c>, and the connection through <see cref="ConsoleClient"/>. The token comes
/// from CORA_TOKEN.
/// </summary>
public sealed class ConsoleOptions
{
    public Option<string[]> Contact { get; } = new("--contact")
    {
        Description = $"A cluster node as host:port (repeatable; default: env {CoraEnvironment.Contact.Name}, else {NodeConfig.DefaultContact})",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string?> Config { get; } = new("--config") { Description = "Node HOCON with the cluster's TLS settings" };

    public Option<bool> Json { get; } = new("--json") { Description = "Print JSON" };

    public Option<string?> CertsDir { get; } = new("--certs-dir") { Description = "Certificates from `cora cert` (ca.crt, client.pfx; default: env CORA_CERTS_DIR)" };

    public Option<bool> Insecure { get; } = new("--insecure") { Description = "Plain TCP instead of mutual TLS; loopback contacts only" };

    public void AddTo(Command command)
    {
        AddConnectionTo(command);
        command.Options.Add(Json);
    }

    /// <summary>The options that reach the cluster (contact, config, certificates), for a command
    /// with its own output format.</summary>
    public void AddConnectionTo(Command command)
    {
        command.Options.Add(Contact);
        command.Options.Add(Config);
        command.Options.Add(CertsDir);
        command.Options.Add(Insecure);
    }

    public ConsoleClient Connect(ParseResult parse)
    {
        var contacts = parse.GetValue(Contact) is { Length: > 0 } given
            ? given
            : (CoraEnvironment.Get(CoraEnvironment.Contact) ?? NodeConfig.DefaultContact).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return ConsoleClient.Connect(contacts, parse.GetValue(Config), parse.GetValue(CertsDir), parse.GetValue(Insecure));
    }
}
