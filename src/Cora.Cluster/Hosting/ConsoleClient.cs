using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;
using Cora.Actors;
using Cora.Actors.Control;
using Cora.Actors.Coordinator;
using Cora.Actors.Grids;
using Cora.Training;

namespace Cora.Cluster.Hosting;

/// <summary>
/// The console's link into a cluster: a small actor system of its own (never a cluster member)
/// with a ClusterClient that reaches the <see cref="CommandHost"/> through the receptionist of
/// any contact node, over mutual TLS with its client certificate (plain TCP with --insecure, to
/// loopback only). Every request carries the console token and user@host.
/// </summary>
public sealed class ConsoleClient : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly IActorRef _client;
    private readonly string _token;
    private readonly TimeSpan _timeout;

    private ConsoleClient(ActorSystem system, IActorRef client, string token, TimeSpan timeout)
    {
        _system = system;
        _client = client;
        _token = token;
        _timeout = timeout;
    }

    /// <param name="contacts">host:port of one or more nodes.</param>
    /// <param name="configFile">The node config (for the TLS settings and the token), optional.</param>
    /// <param name="certsDir">Certificates from <c>cora cert</c> (ca.crt, client.pfx); null: cora.tls.certs-dir or CORA_CERTS_DIR.</param>
    /// <param name="insecure">Plain TCP, to loopback contacts only.</param>
    public static ConsoleClient Connect(IReadOnlyList<string> contacts, string? configFile, string? certsDir = null, bool insecure = false)
    {
        if (contacts.Count == 0) throw new InvalidInputException("--contact: give at least one node as host:port (or set CORA_CONTACT)");
        var file = configFile is null ? ConfigurationFactory.Empty : HoconFile.Load(configFile);
        // The node config (when given) supplies the TLS settings and the address to bind; the
        // console is a plain remoting system on a free port, never a cluster member.
        var lines = new List<string>
        {
            "akka.actor.provider = remote",
            "akka.remote.dot-netty.tcp.port = 0",
            "akka.loglevel = WARNING",
            "akka.stdout-loglevel = OFF",
            TlsSettings.EnableLine(insecure),
        };
        if (certsDir is not null) lines.Add($"cora.tls.certs-dir = {JsonSerializer.Serialize(Path.GetFullPath(certsDir))}");
        var config = ConfigurationFactory.ParseString(string.Join('\n', lines))
            .WithFallback(CoraEnvironment.Overrides())
            .WithFallback(file)
            .WithFallback(ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.hostname = \"127.0.0.1\""))
            .WithFallback(CoraConfig.Reference)
            // ClusterClient's own messages need cluster-tools' serializer bindings, which a plain
            // remoting system does not load by itself.
            .WithFallback(ClusterClientReceptionist.DefaultConfig())
            .WithFallback(Akka.Cluster.Tools.PublishSubscribe.DistributedPubSub.DefaultConfig());
        var token = config.GetString("cora.console.token", "");
        if (string.IsNullOrEmpty(token)) throw new InvalidInputException("no console token: set CORA_TOKEN to the cluster's token");
        var tls = TlsSettings.Create(config);
        if (!tls.Enabled && contacts.FirstOrDefault(c => !Loopback.Is(HostOf(c))) is { } remote)
            throw new InvalidInputException($"--contact {remote}: --insecure (plain TCP) reaches loopback only; off this machine a console talks mutual TLS (--certs-dir with a client certificate from `cora cert create-client`)");
        var setup = tls.Setup(config, TlsSettings.Peer.Console);
        var timeout = config.GetTimeSpan("cora.console.timeout", TimeSpan.FromSeconds(60));
        if (timeout <= TimeSpan.Zero) throw new InvalidInputException($"cora.console.timeout: must be positive (got {timeout})");
        var system = ActorSystem.Create("cora-console", setup);
        var receptionists = contacts.Select(c => ActorPath.Parse($"{NodeConfig.SeedAddress(c, config)}/system/receptionist")).ToHashSet();
        var client = system.ActorOf(ClusterClient.Props(ClusterClientSettings.Create(system).WithInitialContacts(System.Collections.Immutable.ImmutableHashSet.CreateRange(receptionists))), "client");
        return new ConsoleClient(system, client, token, timeout);
    }

    /// <summary>The host of a contact: <c>host:port</c>, <c>[v6]:port</c>, or a full Akka address.</summary>
    private static string HostOf(string contact)
    {
        if (contact.Contains("://", StringComparison.Ordinal)) return Address.Parse(contact).Host ?? "";
        var colon = contact.LastIndexOf(':');
        return (colon > 0 ? contact[..colon] : contact).Trim('[', ']');
    }

    /// <summary>Sends a command and returns the reply; a refusal (wrong token, unknown member) becomes an error.</summary>
    public async Task<T> Ask<T>(ConsoleCommand command, CancellationToken cancellation)
    {
        var user = $"{Environment.UserName}@{Environment.MachineName}";
        object reply;
        try
        {
            reply = await _client.Ask(new ClusterClient.Send("/user/" + CommandHost.Name, new ConsoleRequest(_token, user, command)), _timeout, cancellation);
        }
        catch (AskTimeoutException)
        {
            throw new ConsoleUnreachableException($"no answer from the cluster within {_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (is a coordinator node up and reachable at the contact?)");
        }
        return reply switch
        {
            ConsoleRefused refused => throw new ConsoleRefusedException(refused.Reason),
            ConsoleUnavailable unavailable => throw new ConsoleUnreachableException(unavailable.Reason),
            T answer => answer,
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name} to {command.Kind}"),
        };
    }

    /// <summary>Submits a plan of any size: uploads it in parts of at most
    /// <see cref="ConsoleValidation.MaxPartTrials"/> trials (each kept in the cluster's plan store,
    /// whichever coordinator node receives it), then starts the sweep from them.</summary>
    /// <param name="progress">Told the parts sent so far and their number.</param>
    public async Task<SweepAccepted> SubmitPlan(SweepPlan plan, IProgress<(int Sent, int Parts)>? progress, CancellationToken cancellation)
    {
        var upload = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(SweepPlanner.IdLength / 2));
        var parts = plan.Trials.Chunk(ConsoleValidation.MaxPartTrials).ToList();
        for (var i = 0; i < parts.Count; i++)
        {
            await Ask<PlanPartStored>(new ConsoleCommand.PlanPart(upload, i, parts[i]), cancellation);
            progress?.Report((i + 1, parts.Count));
        }
        return await Ask<SweepAccepted>(new ConsoleCommand.SweepStart(upload, parts.Count, plan.SweepId, plan.Name, plan.GridFile), cancellation);
    }

    /// <summary>Every row of a sweep's results, asked for in pages of at most
    /// <see cref="ConsoleValidation.MaxResultRows"/> (one answer is bounded by the frame size). A
    /// node from before paging answers the first request with every row and no total.</summary>
    public async Task<SweepResults> Results(string sweepId, CancellationToken cancellation)
    {
        var rows = new List<TrialRow>();
        SweepResults page;
        do
        {
            page = await Ask<SweepResults>(new ConsoleCommand.SweepResults(sweepId, rows.Count, ConsoleValidation.MaxResultRows), cancellation);
            rows.AddRange(page.Rows);
        }
        while (page.Rows.Count > 0 && rows.Count < page.Total);
        return SweepResults.Whole(sweepId, rows);
    }

    public async ValueTask DisposeAsync()
    {
        // Shutting remoting down logs connection warnings after the loggers have stopped, which
        // Akka then prints on stdout, where the command's result (JSON) goes: silence them.
        _system.EventStream.SetLogLevel(Akka.Event.LogLevel.ErrorLevel);
        await _system.Terminate();
    }
}

/// <summary>The cluster refused a console command (wrong token, unknown member, …).</summary>
public sealed class ConsoleRefusedException(string message) : Exception(message);

/// <summary>No coordinator answered.</summary>
public sealed class ConsoleUnreachableException(string message) : Exception(message);
