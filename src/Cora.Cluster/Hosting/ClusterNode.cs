using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using Cora.Actors.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Cora.Actors;
using Cora.Actors.Control;
using Cora.Actors.Evaluation;
using Cora.Actors.Grids;
using Cora.Actors.Persistence;
using Cora.Actors.Scheduling;
using Cora.Actors.Trainer;
using Cora.Training;

namespace Cora.Cluster.Hosting;

/// <summary>
/// A member of a Cora cluster (<c>cora node</c>). Roles decide what runs here:
/// <list type="bullet">
/// <item><c>coordinator</c>: the sweep coordinator as a cluster singleton (it lives on the oldest
/// coordinator node and moves when that node goes; its journal must then be shared, i.e.
/// PostgreSQL), the <see cref="Scheduler"/> singleton beside it on the same journal, and the
/// <see cref="CommandHost"/> the console talks to.</item>
/// <item><c>trainer</c>: one <see cref="GpuTrainer"/> per slot, with the node's checkpoint loader,
/// basis extractor and evaluator; trainers reach the coordinator through a singleton proxy.</item>
/// <item><c>evaluator</c>: an evaluator for scoring on CPU-only nodes.</item>
/// </list>
/// Every node is built here, one way, on Akka.Hosting (Microsoft.Extensions.Hosting): `cora node`
/// and `cora run` (a one-node cluster with both roles) alike. Singletons, their proxies and the
/// receptionist come from Akka.Cluster.Hosting, remoting and TLS from Akka.Remote.Hosting, the
/// journal from Akka.Persistence.Sql.Hosting (<see cref="JournalConfig"/>); the node's HOCON
/// (<see cref="NodeConfig"/>) holds the rest: split-brain resolver, failure detectors, breakers.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    public const string CoordinatorRole = "coordinator";
    public const string TrainerRole = "trainer";
    public const string EvaluatorRole = "evaluator";
    public static readonly IReadOnlyList<string> Roles = [CoordinatorRole, TrainerRole, EvaluatorRole];

    private readonly IHost _host;

    private ClusterNode(IHost host, ActorSystem system, IActorRef coordinator, IActorRef scheduler, string artifacts, Config config)
    {
        _host = host;
        System = system;
        Coordinator = coordinator;
        Scheduler = scheduler;
        Artifacts = artifacts;
        Config = config;
    }

    public ActorSystem System { get; }

    /// <summary>The coordinator singleton's proxy on this node (every node has one).</summary>
    public IActorRef Coordinator { get; }

    /// <summary>The scheduler singleton's proxy on this node (every node has one).</summary>
    public IActorRef Scheduler { get; }

    /// <summary>The artifact store as this node sees it.</summary>
    public string Artifacts { get; }

    /// <summary>The node's full config, reference defaults included.</summary>
    public Config Config { get; }

    /// <param name="config">The node's full config (node file + command-line overrides).</param>
    /// <param name="gpus">CUDA devices on this machine.</param>
    public static ClusterNode Start(Config config, int gpus)
    {
        config = config.WithFallback(CoraConfig.Reference);
        var roles = config.GetStringList("akka.cluster.roles", []).ToList();
        var unknown = roles.FirstOrDefault(r => !Roles.Contains(r));
        if (unknown is not null) throw new InvalidInputException($"akka.cluster.roles: unknown role \"{unknown}\" (known: {string.Join(", ", Roles)})");
        if (roles.Count == 0) throw new InvalidInputException($"akka.cluster.roles: a node needs at least one role ({string.Join(", ", Roles)})");
        var journal = config.GetString("cora.journal", "");
        if (roles.Contains(CoordinatorRole) && string.IsNullOrWhiteSpace(journal))
            throw new InvalidInputException("cora.journal: a coordinator node needs a journal (--db, CORA_DB): a SQLite file or a PostgreSQL connection string");
        var token = config.GetString("cora.console.token", "");
        if (roles.Contains(CoordinatorRole) && string.IsNullOrEmpty(token))
            throw new InvalidInputException("cora.console.token: a coordinator node needs the console token (set CORA_TOKEN)");
        var snapshotEvery = NodeActors.SnapshotEvery(config);
        var schedulerSettings = SchedulerSettings.Create(config);
        var backoff = RestartBackoff.Create(config);
        // Coordinators (plans, content hashes) and trainers (bases, adapters, results) never
        // create the store: a missing mount would silently become a private directory that no
        // other node sees. An evaluator-only node does not use it.
        var artifacts = Path.GetFullPath(config.GetString("cora.artifacts.path"));
        var user = roles.FirstOrDefault(r => r is CoordinatorRole or TrainerRole);
        if (user is not null && !Directory.Exists(artifacts))
            throw new InvalidInputException($"cora.artifacts.path: {artifacts} does not exist on this node; mount the shared artifact store there " +
                $"(every {CoordinatorRole} and {TrainerRole} node must see the same directory; this node has the {user} role)");

        // Refusals (plain TCP off loopback, missing or foreign certificates) come before anything starts.
        var ssl = TlsSettings.Create(config).Ssl(config, TlsSettings.Peer.Node);
        var host = new HostBuilder()
            .ConfigureServices(services =>
            {
                // `cora node` handles Ctrl+C and SIGTERM itself (it leaves the cluster, exit 0).
                services.AddSingleton<IHostLifetime, CommandLineLifetime>();
                services.AddAkka("cora", akka =>
                {
                    akka.AddHocon(config, HoconAddMode.Prepend)
                        .ConfigureLoggers(loggers =>
                        {
                            loggers.LogLevel = Akka.Event.Logging.LogLevelFor(config.GetString("akka.loglevel", "INFO"));
                            loggers.ClearLoggers();
                            loggers.AddLogger<StderrLogger>();
                        });
                    // The node's identity in typed options over its HOCON: address and TLS, roles
                    // and seeds, and (coordinators) the journal. Read from the merged config, so the
                    // command line, environment and config file still decide them.
                    akka.WithRemoting(Remoting(config, ssl))
                        .WithClustering(new ClusterOptions
                        {
                            Roles = [.. roles],
                            SeedNodes = config.GetStringList("akka.cluster.seed-nodes", []) is { Count: > 0 } seeds ? [.. seeds] : null,
                        });
                    if (roles.Contains(CoordinatorRole))
                    {
                        var (journalOptions, snapshotOptions) = JournalConfig.Options(journal);
                        akka.WithSqlPersistence(journalOptions, snapshotOptions);
                    }
                    var singleton = new ClusterSingletonOptions { Role = CoordinatorRole };
                    if (roles.Contains(CoordinatorRole))
                    {
                        // Each singleton is a RestartingSupervisor with the persistent actor as its
                        // child: a journal outage stops the actor, and the supervisor starts it again
                        // with backoff (the singleton manager itself would never restart it on this
                        // node). The proxies reach the supervisor, which forwards to the child with
                        // the sender, so asks and watches work.
                        akka.WithSingleton<CoordinatorSingleton>("coordinator", NodeActors.Coordinator(PlanStore.In(artifacts), snapshotEvery, backoff), singleton);
                        // Its content-hash cache sits in the artifact store, which every coordinator node sees.
                        akka.WithSingleton<SchedulerSingleton>("scheduler", (_, registry, _) => RestartingSupervisor.Props(
                            Actors.Scheduling.Scheduler.Props(registry.Get<CoordinatorSingleton>(), PlanStore.In(artifacts), Path.Combine(artifacts, "content-hashes.tsv"), schedulerSettings),
                            Actors.Scheduling.Scheduler.DefaultPersistenceId, Actors.Scheduling.Scheduler.Description, backoff), singleton);
                    }
                    else
                    {
                        akka.WithSingletonProxy<CoordinatorSingleton>("coordinator", singleton)
                            .WithSingletonProxy<SchedulerSingleton>("scheduler", singleton);
                    }
                    akka.WithActors((system, registry) =>
                    {
                        var coordinator = registry.Get<CoordinatorSingleton>();
                        // Started on every node, coordinators or not: a console may contact any
                        // node, and the receptionists and their pub-sub mediators talk to each other.
                        var receptionist = ClusterClientReceptionist.Get(system);
                        if (roles.Contains(CoordinatorRole))
                        {
                            var commands = system.ActorOf(CommandHost.Props(coordinator, registry.Get<SchedulerSingleton>(), token, artifacts), CommandHost.Name);
                            receptionist.RegisterService(commands);
                        }
                        if (roles.Contains(TrainerRole))
                        {
                            var self = Akka.Cluster.Cluster.Get(system).SelfAddress.ToString();
                            NodeActors.StartTrainers(system, coordinator, TrainerSettings.Create(config, self, CoraExecutable.Command(), gpus));
                        }
                        else if (roles.Contains(EvaluatorRole))
                        {
                            // Trainers score with their own node's evaluator; an evaluator-only node
                            // hosts one for work routed to CPU nodes, which nothing routes yet.
                            system.ActorOf(Evaluator.Props(), "evaluator");
                        }
                    });
                });
            })
            .Build();
        host.StartAsync().GetAwaiter().GetResult();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var registry = ActorRegistry.For(system);
        // Last, once every actor is in place: with a discovery method the node may join at once.
        ClusterFormation.Start(system, config);
        return new ClusterNode(host, system, registry.Get<CoordinatorSingleton>(), registry.Get<SchedulerSingleton>(), artifacts, config);
    }

    /// <summary>Akka.Remote's address (<c>akka.remote.dot-netty.tcp</c>) and TLS; null
    /// <paramref name="ssl"/> is plain TCP (<c>--insecure</c>, loopback only).</summary>
    private static RemoteOptions Remoting(Config config, SslOptions? ssl) => new()
    {
        HostName = config.GetString(NodeConfig.HostnameKey),
        Port = config.GetInt(NodeConfig.PortKey),
        PublicHostName = config.GetString(NodeConfig.PublicHostnameKey, "") is { Length: > 0 } published ? published : null,
        EnableSsl = ssl is not null,
        Ssl = ssl ?? new SslOptions(),
    };

    /// <summary>Stops the host: the node leaves its cluster (coordinated shutdown) if it has not yet.</summary>
    public async ValueTask DisposeAsync()
    {
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance);
        await _host.StopAsync();
        _host.Dispose();
    }

    /// <summary>Registry keys of the singletons' proxies.</summary>
    private sealed class CoordinatorSingleton;

    private sealed class SchedulerSingleton;

    /// <summary>The host's lifetime without its console signal handling: the command that runs
    /// the node decides what Ctrl+C and SIGTERM do.</summary>
    private sealed class CommandLineLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
