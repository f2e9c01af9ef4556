using System.Text.RegularExpressions;
using Akka.Configuration;
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
    public void Every_node_seeds_from_the_coordinator_pods_stable_dns_names()
    {
        var coordinators = K.Named("StatefulSet", "cora-coordinator");
        var replicas = int.Parse(Spec(coordinators).Text("replicas"));
        // The split brain resolver keeps the side with most coordinators (node.conf): an even
        // number survives no more failures than one fewer, and with two, losing the
        // tie-breaking one downs every node.
        Assert.True(replicas % 2 == 1, $"{coordinators.Name}: {replicas} replicas; run an odd number of coordinator nodes");
        var service = Spec(coordinators).Text("serviceName");
        var port = AkkaPort(Assert.Single(CoraContainers(coordinators)));
        var expected = Enumerable.Range(0, replicas)
            .Select(i => $"{coordinators.Name}-{i}.{service}.{Namespace}.svc.cluster.local:{port}")
            .ToList();
        foreach (var (set, container) in CoraNodes())
            Assert.True(expected.SequenceEqual(DeployFiles.ValuesOf(Args(container), "--seed")), $"{set.Name}: seeds must be {string.Join(", ", expected)}");
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
    public void Services_probes_and_the_image_agree_on_the_akka_remote_port()
    {
        foreach (var (set, container) in CoraNodes())
        {
            var port = AkkaPort(container);
            var probe = container.Map("readinessProbe").Map("tcpSocket").Text("port");
            Assert.True(probe == "akka-remote" || probe == port.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{set.Name}: readiness probes {probe}");
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

    private static YamlMappingNode Spec(KubernetesManifests.Resource r) => r.Root.Map("spec");

    private static YamlMappingNode Pod(KubernetesManifests.Resource set) => Spec(set).Map("template").Map("spec");

    private static IEnumerable<YamlMappingNode> CoraContainers(KubernetesManifests.Resource set) =>
        Pod(set).Maps("containers").Where(c => c.Text("image") == CoraImage);

    private IEnumerable<(KubernetesManifests.Resource Set, YamlMappingNode Container)> CoraNodes() =>
        K.OfKind("StatefulSet").SelectMany(set => CoraContainers(set).Select(c => (set, c)));

    private static IReadOnlyList<string> Args(YamlMappingNode container) => container.Texts("args");

    private static IEnumerable<YamlMappingNode> Env(YamlMappingNode container) => container.Maps("env");

    private static int AkkaPort(YamlMappingNode container) =>
        int.Parse(container.Maps("ports").Single(p => p.Text("name") == "akka-remote").Text("containerPort"));

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
