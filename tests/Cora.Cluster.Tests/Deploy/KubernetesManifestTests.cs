using System.Text.RegularExpressions;
using Akka.Configuration;
using Cora.Cluster.Tests.MultiNode;
using YamlDotNet.RepresentationModel;

namespace Cora.Cluster.Tests.Deploy;

/// <summary>deploy/kubernetes: every file parses, kustomize would apply all of them, and the
/// manifests agree with each other — names, seeds, ports, volumes, secrets — the way they must
/// for the pods to find one another and the shared artifact store.</summary>
public sealed partial class KubernetesManifestTests
{
    private const string CoraImage = "cora";
    private static readonly string Folder = DeployFiles.Deploy("kubernetes");
    // Loaded on first use, so a file that does not parse fails its own parse test only.
    private readonly Lazy<KubernetesManifests> _manifests = new(() => KubernetesManifests.Load(Folder));

    private KubernetesManifests K => _manifests.Value;

    public static TheoryData<string> YamlFiles => [.. KubernetesManifests.YamlFiles(Folder).Select(Path.GetFileName).OfType<string>()];

    [Theory]
    [MemberData(nameof(YamlFiles))]
    public void Every_document_parses_and_has_api_version_kind_and_name(string file)
    {
        var documents = KubernetesManifests.Parse(Path.Combine(Folder, file));
        Assert.NotEmpty(documents);
        foreach (var root in documents.Cast<YamlMappingNode>())
        {
            Assert.False(string.IsNullOrWhiteSpace(root.Text("apiVersion")), $"{file}: apiVersion");
            Assert.False(string.IsNullOrWhiteSpace(root.Text("kind")), $"{file}: kind");
            if (file != "kustomization.yaml")
                Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", root.Map("metadata").Text("name"));
        }
    }

    [Fact]
    public void Kustomization_lists_every_file_of_the_folder_and_nothing_else()
    {
        var listed = K.Kustomization.Texts("resources").Order().ToList();
        var present = Directory.EnumerateFiles(Folder).Select(Path.GetFileName).OfType<string>()
            .Where(f => f != "kustomization.yaml").Order().ToList();
        Assert.Equal(present, listed);
    }

    [Fact]
    public void The_namespace_resource_is_the_one_kustomize_puts_everything_in()
    {
        Assert.Equal(Namespace, Assert.Single(K.OfKind("Namespace")).Name);
    }

    [Fact]
    public void Coordinators_are_a_stateful_set_of_two_or_more_behind_their_headless_service()
    {
        var coordinators = K.Named("StatefulSet", "cora-coordinator");
        Assert.True(int.Parse(Spec(coordinators).Text("replicas")) >= 2, "two coordinators, so the singleton can move");
        AssertHeadlessServiceSelects(coordinators);
    }

    [Fact]
    public void Trainer_pods_have_a_headless_service_and_ask_for_a_gpu()
    {
        var trainers = K.Named("StatefulSet", "cora-trainer");
        AssertHeadlessServiceSelects(trainers);
        var container = Assert.Single(CoraContainers(trainers));
        Assert.Equal("1", container.Map("resources").Map("limits").Text("nvidia.com/gpu"));
        Assert.Contains("trainer", DeployFiles.ValuesOf(Args(container), "--role"));
    }

    [Fact]
    public void No_node_has_a_seed_list_every_node_finds_the_coordinator_pods_through_cluster_bootstrap()
    {
        var coordinators = K.Named("StatefulSet", "cora-coordinator");
        var config = NodeConfig();
        foreach (var (set, container) in CoraNodes())
        {
            var args = Args(container);
            Assert.DoesNotContain("--seed", args);
            Assert.DoesNotContain("--single-node", args);
            Assert.Equal(["kubernetes"], DeployFiles.ValuesOf(args, "--discovery"));
            // Every node serves a management endpoint, on the pod's IP, on the port the config names.
            var podIp = Env(container).Single(e => e.Text("name") == "POD_IP");
            Assert.Equal("status.podIP", podIp.Map("valueFrom").Map("fieldRef").Text("fieldPath"));
            Assert.Equal(config.GetInt("akka.management.http.port"), ContainerPort(container, ManagementPortName(config)));
        }

        // The contact points are the pods the label selector finds: the coordinators, never a trainer.
        var selector = config.GetString("akka.discovery.kubernetes-api.pod-label-selector")
            .Replace("{0}", config.GetString("akka.management.cluster.bootstrap.contact-point-discovery.service-name"), StringComparison.Ordinal);
        var (key, value) = (selector.Split('=')[0], selector.Split('=')[1]);
        Assert.Equal(value, PodLabels(coordinators).Text(key));
        Assert.NotEqual(value, PodLabels(K.Named("StatefulSet", "cora-trainer")).TextOrNull(key));

        // A cluster is founded once a majority of the coordinators answer, so two halves never both
        // found one; with an even number of coordinators the split brain resolver's majority (node.conf)
        // survives no more failures than with one fewer.
        var replicas = int.Parse(Spec(coordinators).Text("replicas"));
        Assert.True(replicas % 2 == 1, $"{coordinators.Name}: {replicas} replicas; run an odd number of coordinator nodes");
        Assert.Equal(replicas / 2 + 1, config.GetInt("akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"));
        Assert.True(config.GetBoolean("akka.management.cluster.bootstrap.new-cluster-enabled"), "the coordinators must be able to found the cluster");
        // Ordered start would create the second coordinator only once the first is ready (an Up
        // member), which needs a majority of them answering: it would never happen.
        Assert.Equal("Parallel", Spec(coordinators).Text("podManagementPolicy"));
    }

    [Fact]
    public void The_pods_may_read_the_pods_of_their_namespace_and_nothing_more()
    {
        var account = Assert.Single(K.OfKind("ServiceAccount"));
        foreach (var (set, _) in CoraNodes())
            Assert.Equal(account.Name, Pod(set).Text("serviceAccountName"));
        var binding = Assert.Single(K.OfKind("RoleBinding"));
        var subject = Assert.Single(binding.Root.Maps("subjects"));
        Assert.Equal(("ServiceAccount", account.Name), (subject.Text("kind"), subject.Text("name")));
        var roleRef = binding.Root.Map("roleRef");
        Assert.Equal("Role", roleRef.Text("kind"));
        var rule = Assert.Single(K.Named("Role", roleRef.Text("name")).Root.Maps("rules"));
        Assert.Equal([""], rule.Texts("apiGroups"));
        Assert.Equal(["pods"], rule.Texts("resources"));
        Assert.Equal(["get", "list", "watch"], rule.Texts("verbs").Order());
    }

    [Fact]
    public async Task The_config_map_has_a_node_ask_the_kubernetes_api_for_the_coordinator_pods_by_label_and_port_name()
    {
        // A real node on the ConfigMap's config, outside Kubernetes: the API it is pointed at does
        // not answer, but its log says what it asked, and that Akka.Discovery.KubernetesApi runs.
        using var temp = new TempDirectory();
        var config = temp.File("node.conf");
        var management = NodeProcess.FreePort();
        File.WriteAllText(config, K.Named("ConfigMap", "cora-node-config").Root.Map("data").Text("node.conf") +
            $"\nakka.management.http.port = {management}\n");
        var environment = new Dictionary<string, string>
        {
            ["POD_IP"] = "127.0.0.1",
            ["KUBERNETES_SERVICE_HOST"] = "127.0.0.1",
            ["KUBERNETES_SERVICE_PORT"] = NodeProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        using var node = NodeProcess.StartNode(config, "token", environment, "--role", "trainer", "--discovery", "kubernetes", "--artifacts", temp.Path);
        await node.WaitForOutputAsync("Querying for pods with label selector: [app.kubernetes.io/name=cora-coordinator]", TimeSpan.FromMinutes(1));
        await node.WaitForOutputAsync("Port: [management]", TimeSpan.FromMinutes(1));
        await node.WaitForOutputAsync($"Failed to retrieve pod list from https://127.0.0.1:{environment["KUBERNETES_SERVICE_PORT"]}", TimeSpan.FromMinutes(1));
        // Its own management endpoint, on POD_IP, says it is in no cluster yet.
        using var http = new HttpClient();
        var answer = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{management}/bootstrap/seed-nodes"))).RootElement;
        Assert.Equal(0, answer.GetProperty("Nodes").GetArrayLength());
        Assert.Contains(node.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), answer.GetProperty("SelfNode").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_node_announces_its_own_pod_dns_name_and_port()
    {
        foreach (var (set, container) in CoraNodes())
        {
            var args = Args(container);
            Assert.Equal(["node"], args.Take(1));
            Assert.Equal([$"$(POD_NAME).{Spec(set).Text("serviceName")}.{Namespace}.svc.cluster.local"], DeployFiles.ValuesOf(args, "--hostname"));
            var podName = Env(container).Single(e => e.Text("name") == "POD_NAME");
            Assert.Equal("metadata.name", podName.Map("valueFrom").Map("fieldRef").Text("fieldPath"));
            Assert.Equal([AkkaPort(container).ToString(System.Globalization.CultureInfo.InvariantCulture)], DeployFiles.ValuesOf(args, "--port"));
        }
    }

    [Fact]
    public void Services_and_the_image_agree_on_the_akka_remote_port()
    {
        foreach (var (set, container) in CoraNodes())
        {
            var port = AkkaPort(container);
            var servicePort = Assert.Single(K.Named("Service", Spec(set).Text("serviceName")).Root.Map("spec").Maps("ports"));
            Assert.Equal(port, int.Parse(servicePort.Text("port")));
            Assert.Equal("akka-remote", servicePort.Text("targetPort"));
            Assert.Contains(port, Containerfile.Load().Exposed);
            Assert.True(int.Parse(Pod(set).Text("terminationGracePeriodSeconds")) >= 30, $"{set.Name}: time to leave the cluster and stop trials");
            // No command: the image's ENTRYPOINT (the cora apphost) runs the args.
            Assert.Null(container.Find("command"));
        }
    }

    [Fact]
    public void Every_node_is_probed_on_readyz_and_healthz_on_the_port_it_serves_them()
    {
        var config = NodeConfig();
        // The kubelet probes the pod's IP: the web endpoint must not be bound to loopback.
        Assert.False(Hosting.Loopback.Is(config.GetString("cora.http.hostname")), "cora.http.hostname in the ConfigMap");
        var health = Health.HealthSettings.Create(config);
        foreach (var (set, container) in CoraNodes())
        {
            var httpPort = int.Parse(Assert.Single(DeployFiles.ValuesOf(Args(container), "--http-port")));
            foreach (var (probe, path) in new[] { ("readinessProbe", "/readyz"), ("livenessProbe", "/healthz") })
            {
                var spec = container.Map(probe);
                var get = spec.Map("httpGet");
                Assert.Equal(path, get.Text("path"));
                var port = get.Text("port");
                Assert.True(port == httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture) || ContainerPort(container, port) == httpPort,
                    $"{set.Name}: {probe} asks port {port}, the node serves its health checks on {httpPort}");
                // A probe that gives up before the node's own checks do would fail a healthy node.
                var timeout = TimeSpan.FromSeconds(int.Parse(spec.Text("timeoutSeconds")));
                Assert.True(timeout > health.JournalTimeout && timeout > health.SingletonTimeout, $"{set.Name}: {probe} timeoutSeconds must exceed cora.health's timeouts");
            }
            // Liveness is generous: a node is restarted only after failing for a minute or more.
            var liveness = container.Map("livenessProbe");
            Assert.True(int.Parse(liveness.Text("initialDelaySeconds")) >= 30, $"{set.Name}: livenessProbe initialDelaySeconds");
            Assert.True(int.Parse(liveness.Text("failureThreshold")) * int.Parse(liveness.Text("periodSeconds")) >= 60, $"{set.Name}: livenessProbe gives up too soon");
        }
    }

    [Fact]
    public void The_artifact_store_is_one_read_write_many_claim_mounted_where_artifacts_points()
    {
        var pvc = Assert.Single(K.OfKind("PersistentVolumeClaim"));
        Assert.Equal(["ReadWriteMany"], pvc.Root.Map("spec").Texts("accessModes"));
        var nodeConf = Cora.Actors.Grids.HoconFile.Parse(K.Named("ConfigMap", "cora-node-config").Root.Map("data").Text("node.conf"), "configmap.yaml", _ => null);
        foreach (var (set, container) in CoraNodes())
        {
            var artifacts = Assert.Single(DeployFiles.ValuesOf(Args(container), "--artifacts"));
            var volume = VolumeMountedAt(set, container, artifacts);
            Assert.Equal(pvc.Name, volume.Map("persistentVolumeClaim").Text("claimName"));
            Assert.Equal(artifacts, nodeConf.GetString("cora.artifacts.path"));
        }
    }

    [Fact]
    public void The_config_map_node_config_is_the_repository_node_config_plus_kubernetes_keys()
    {
        var shipped = File.ReadAllText(DeployFiles.Repository("hocon/node.conf"));
        var inMap = K.Named("ConfigMap", "cora-node-config").Root.Map("data").Text("node.conf");
        Assert.StartsWith(shipped.Trim(), inMap.Trim(), StringComparison.Ordinal);
        var config = Cora.Actors.Grids.HoconFile.Parse(inMap, "configmap.yaml", _ => null);
        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
    }

    [Fact]
    public void The_node_config_is_the_config_map_mounted_where_config_points()
    {
        var configMap = K.Named("ConfigMap", "cora-node-config");
        foreach (var (set, container) in CoraNodes())
        {
            var config = Assert.Single(DeployFiles.ValuesOf(Args(container), "--config"));
            var mount = container.Maps("volumeMounts").Single(m => m.Text("mountPath") == config);
            var volume = VolumeMountedAt(set, container, config);
            Assert.Equal(configMap.Name, volume.Map("configMap").Text("name"));
            Assert.NotNull(configMap.Root.Map("data").Find(mount.Text("subPath")));
        }
    }

    [Fact]
    public void Every_secret_reference_names_a_key_of_the_secret_and_every_variable_is_defined_before_use()
    {
        foreach (var set in K.OfKind("StatefulSet"))
        {
            foreach (var container in Pod(set).Maps("containers"))
            {
                var defined = new HashSet<string>();
                foreach (var env in Env(container))
                {
                    foreach (Match use in Reference().Matches(env.TextOrNull("value") ?? ""))
                        Assert.True(defined.Contains(use.Groups[1].Value), $"{set.Name}: {env.Text("name")} uses $({use.Groups[1].Value}) before it is defined");
                    if (env.Find("valueFrom") is YamlMappingNode from && from.Find("secretKeyRef") is YamlMappingNode secretRef)
                    {
                        var secret = K.Named("Secret", secretRef.Text("name")).Root;
                        var keys = (secret.Find("stringData") ?? secret.Find("data")) as YamlMappingNode;
                        Assert.True(keys?.Find(secretRef.Text("key")) is not null, $"{set.Name}: secret key {secretRef.Text("key")} is missing");
                    }
                    defined.Add(env.Text("name"));
                }
                foreach (var arg in container.Texts("args"))
                foreach (Match use in Reference().Matches(arg))
                    Assert.Contains(use.Groups[1].Value, defined);
            }
        }
    }

    [Fact]
    public void Every_node_gets_the_token_and_the_coordinators_reach_the_journal_database()
    {
        foreach (var (set, container) in CoraNodes())
            Assert.Contains(Env(container), e => e.Text("name") == "CORA_TOKEN" && e.Find("valueFrom") is not null);

        var coordinator = Assert.Single(CoraContainers(K.Named("StatefulSet", "cora-coordinator")));
        var db = Env(coordinator).Single(e => e.Text("name") == "CORA_DB").Text("value");
        var parts = db.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var postgres = K.Named("StatefulSet", "cora-postgres");
        var service = K.Named("Service", "cora-postgres");
        Assert.Equal($"{service.Name}.{Namespace}.svc.cluster.local", parts["Host"]);
        Assert.Equal(Assert.Single(service.Root.Map("spec").Maps("ports")).Text("port"), parts["Port"]);
        var pgEnv = Env(Assert.Single(Pod(postgres).Maps("containers")));
        Assert.Equal(pgEnv.Single(e => e.Text("name") == "POSTGRES_USER").Text("value"), parts["Username"]);
        Assert.Equal(pgEnv.Single(e => e.Text("name") == "POSTGRES_DB").Text("value"), parts["Database"]);
        // The password variable is the same secret key the database was created with.
        var passwordVar = Reference().Match(parts["Password"]).Groups[1].Value;
        Assert.Equal(
            SecretRef(pgEnv.Single(e => e.Text("name") == "POSTGRES_PASSWORD")),
            SecretRef(Env(coordinator).Single(e => e.Text("name") == passwordVar)));
    }

    [Fact]
    public void The_cora_image_is_one_kustomize_sets()
    {
        Assert.Contains(K.Kustomization.Maps("images"), i => i.Text("name") == CoraImage);
        Assert.Equal(2, CoraNodes().Select(n => n.Set.Name).Distinct().Count());
    }

    private string Namespace => K.Kustomization.Text("namespace");

    /// <summary>The ConfigMap's node config as a node reads it: over Cora's reference.conf and the
    /// defaults of Akka.Management and Akka.Discovery.KubernetesApi (environment variables unset).</summary>
    private Akka.Configuration.Config NodeConfig() =>
        Cora.Actors.Grids.HoconFile.Parse(K.Named("ConfigMap", "cora-node-config").Root.Map("data").Text("node.conf"), "configmap.yaml", _ => null)
            .WithFallback(Cora.Actors.CoraConfig.Reference)
            .WithFallback(Akka.Management.Dsl.AkkaManagementProvider.DefaultConfiguration())
            .WithFallback(Akka.Discovery.KubernetesApi.KubernetesDiscovery.DefaultConfiguration());

    private static string ManagementPortName(Akka.Configuration.Config config) =>
        config.GetString("akka.management.cluster.bootstrap.contact-point-discovery.port-name");

    private static YamlMappingNode PodLabels(KubernetesManifests.Resource set) => Spec(set).Map("template").Map("metadata").Map("labels");

    private static int ContainerPort(YamlMappingNode container, string name) =>
        int.Parse(container.Maps("ports").SingleOrDefault(p => p.Text("name") == name)?.Text("containerPort")
            ?? throw new InvalidOperationException($"no container port named {name}"));

    private static YamlMappingNode Spec(KubernetesManifests.Resource r) => r.Root.Map("spec");

    private static YamlMappingNode Pod(KubernetesManifests.Resource set) => Spec(set).Map("template").Map("spec");

    private static IEnumerable<YamlMappingNode> CoraContainers(KubernetesManifests.Resource set) =>
        Pod(set).Maps("containers").Where(c => c.Text("image") == CoraImage);

    private IEnumerable<(KubernetesManifests.Resource Set, YamlMappingNode Container)> CoraNodes() =>
        K.OfKind("StatefulSet").SelectMany(set => CoraContainers(set).Select(c => (set, c)));

    private static IReadOnlyList<string> Args(YamlMappingNode container) => container.Texts("args");

    private static IEnumerable<YamlMappingNode> Env(YamlMappingNode container) => container.Maps("env");

    private static int AkkaPort(YamlMappingNode container) => ContainerPort(container, "akka-remote");

    private static (string, string) SecretRef(YamlMappingNode env)
    {
        var secretRef = env.Map("valueFrom").Map("secretKeyRef");
        return (secretRef.Text("name"), secretRef.Text("key"));
    }

    private static YamlMappingNode VolumeMountedAt(KubernetesManifests.Resource set, YamlMappingNode container, string path)
    {
        var mount = container.Maps("volumeMounts").SingleOrDefault(m => m.Text("mountPath") == path)
            ?? throw new InvalidOperationException($"{set.Name}: nothing is mounted at {path}");
        return Pod(set).Maps("volumes").Single(v => v.Text("name") == mount.Text("name"));
    }

    private void AssertHeadlessServiceSelects(KubernetesManifests.Resource set)
    {
        var service = K.Named("Service", Spec(set).Text("serviceName"));
        Assert.Equal("None", service.Root.Map("spec").Text("clusterIP"));
        Assert.Equal("true", service.Root.Map("spec").Text("publishNotReadyAddresses"));
        var podLabels = Spec(set).Map("template").Map("metadata").Map("labels");
        foreach (var (key, value) in service.Root.Map("spec").Map("selector").Children)
            Assert.Equal(((YamlScalarNode)value).Value, podLabels.Text(((YamlScalarNode)key).Value!));
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();
}
