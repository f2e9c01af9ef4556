using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Cora.Cluster.Certificates;
using Cora.Cluster.Commands;

namespace Cora.Cluster.Tests.MultiNode;

/// <summary>
/// Mutual TLS between real processes, with certificates that `cora cert` made: a console with
/// the cluster's client certificate gets answers; a console or node without one — plain TCP, or
/// the certificates of another cluster's CA — gets nothing, and a bare TLS client that shows no
/// certificate, or one the cluster's CA did not sign, is cut off in the handshake.
/// </summary>
public sealed class TlsTests : IDisposable
{
    private const string Token = "tls-token";
    private readonly TempDirectory _temp = new();
    private readonly List<NodeProcess> _nodes = [];

    public void Dispose()
    {
        foreach (var node in _nodes) node.Dispose();
        _temp.Dispose();
    }

    /// <summary>A cluster's certificates as an operator makes them: a CA, a node certificate
    /// for 127.0.0.1 and localhost, a client certificate.</summary>
    private async Task<string> MakeCertificates(string name)
    {
        var certs = _temp.File($"{name}-certs");
        var caKey = _temp.File($"{name}-safe/ca.key");
        foreach (string[] command in (string[][])
            [["create-ca"], ["create-node", "127.0.0.1", "localhost"], ["create-client", $"{name}-ops"]])
        {
            var (code, stdout, stderr) = await NodeProcess.RunAsync(Token, ["cert", .. command, "--certs-dir", certs, "--ca-key", caKey]);
            Assert.True(code == ExitCodes.Ok, $"cora cert {command[0]} exited {code}: {stderr}");
            Assert.Contains("wrote ", stdout);
        }
        return certs;
    }

    private NodeProcess Node(params string[] args)
    {
        var node = NodeProcess.StartNode(Path.Combine(Fixtures.Repository, "hocon", "node.conf"), Token, args);
        _nodes.Add(node);
        return node;
    }

    [Fact]
    public async Task Cert_commands_sign_node_and_client_certificates_with_the_ca_keep_keys_private_and_never_overwrite()
    {
        var certs = await MakeCertificates("ours");
        var directory = new CertsDirectory(certs);
        var caKey = _temp.File("ours-safe/ca.key");
        foreach (var secret in new[] { caKey, directory.NodeKeyStore, directory.ClientKeyStore })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, ModeOf(secret));
        Assert.False(File.Exists(Path.Combine(certs, "ca.key")), "the CA key stays out of the certs directory");

        using var ca = X509CertificateLoader.LoadCertificateFromFile(directory.CaCertificate);
        using var node = X509CertificateLoader.LoadPkcs12FromFile(directory.NodeKeyStore, "");
        using var client = X509CertificateLoader.LoadPkcs12FromFile(directory.ClientKeyStore, "");
        Assert.True(node.HasPrivateKey && client.HasPrivateKey);
        Assert.Null(PeerValidation.ChainError(node, ca));
        Assert.Null(PeerValidation.ChainError(client, ca));
        Assert.True(PeerValidation.Names(node, "127.0.0.1") && PeerValidation.Names(node, "localhost"));
        Assert.False(PeerValidation.Names(node, "10.0.0.1"));
        Assert.Equal("CN=ours-ops", client.Subject);
        Assert.Equal(node.RawData, X509CertificateLoader.LoadCertificateFromFile(directory.NodeCertificate).RawData);

        // Another CA's certificates do not chain to ours.
        var theirs = new CertsDirectory(await MakeCertificates("theirs"));
        using var stranger = X509CertificateLoader.LoadPkcs12FromFile(theirs.NodeKeyStore, "");
        Assert.NotNull(PeerValidation.ChainError(stranger, ca));

        // Nothing is replaced without --overwrite; the error names the file.
        var caBefore = File.ReadAllBytes(directory.CaCertificate);
        var (code, _, stderr) = await NodeProcess.RunAsync(Token, "cert", "create-ca", "--certs-dir", certs, "--ca-key", caKey);
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains($"{directory.CaCertificate} exists; pass --overwrite to replace it", stderr);
        Assert.Equal(caBefore, File.ReadAllBytes(directory.CaCertificate));
        var nodeBefore = File.ReadAllBytes(directory.NodeKeyStore);
        (code, _, stderr) = await NodeProcess.RunAsync(Token, "cert", "create-node", "10.0.0.1", "--certs-dir", certs, "--ca-key", caKey);
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains($"{directory.NodeKeyStore} exists", stderr);
        Assert.Equal(nodeBefore, File.ReadAllBytes(directory.NodeKeyStore));
        (code, _, stderr) = await NodeProcess.RunAsync(Token, "cert", "create-node", "10.0.0.1", "--certs-dir", certs, "--ca-key", caKey, "--overwrite");
        Assert.True(code == ExitCodes.Ok, stderr);
        using var renewed = X509CertificateLoader.LoadPkcs12FromFile(directory.NodeKeyStore, "");
        Assert.True(PeerValidation.Names(renewed, "10.0.0.1"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, ModeOf(directory.NodeKeyStore));

        // Signing needs the CA: each missing file is named.
        var empty = _temp.File("empty-certs");
        (code, _, stderr) = await NodeProcess.RunAsync(Token, "cert", "create-client", "ops", "--certs-dir", empty, "--ca-key", caKey);
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains($"{Path.Combine(empty, "ca.crt")} does not exist; run `cora cert create-ca` first", stderr);
        (code, _, stderr) = await NodeProcess.RunAsync(Token, "cert", "create-client", "ops", "--certs-dir", certs, "--ca-key", _temp.File("theirs-safe/ca.key"));
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("not the private key of", stderr);
    }

    [Fact]
    public async Task Only_peers_with_a_certificate_of_the_clusters_ca_reach_a_node()
    {
        var certs = await MakeCertificates("ours");
        var theirs = await MakeCertificates("theirs");
        var node = Node("--role", "coordinator", "--single-node", "--db", _temp.File("journal.db"), "--artifacts", _temp.Path, "--certs-dir", certs);
        await node.WaitUpAsync();
        // Consoles that get no answer give up after 10 s instead of a minute.
        var console = _temp.File("console.conf");
        File.WriteAllText(console, "cora.console.timeout = 10s\n");

        // (1) A console with the cluster's client certificate is answered, over akka.ssl.tcp.
        var (code, stdout, stderr) = await NodeProcess.RunAsync(Token, "cluster", "show", "--contact", node.Contact, "--certs-dir", certs, "--json");
        Assert.True(code == ExitCodes.Ok, $"{stderr}\n{node.Output}");
        var member = JsonDocument.Parse(stdout).RootElement.GetProperty("members").EnumerateArray().Single();
        Assert.Equal($"akka.ssl.tcp://cora@127.0.0.1:{node.Port}", member.GetProperty("address").GetString());

        // (2) Consoles without it — plain TCP, or another cluster's certificates — get nothing.
        var plain = NodeProcess.RunAsync(Token, "cluster", "show", "--contact", node.Contact, "--insecure", "--config", console);
        var stranger = NodeProcess.RunAsync(Token, "cluster", "show", "--contact", node.Contact, "--certs-dir", theirs, "--config", console);
        // (3) Nor can such nodes join.
        var plainNode = Node("--role", "trainer", "--seed", node.Contact, "--artifacts", _temp.Path);
        var strangerNode = Node("--role", "trainer", "--seed", node.Contact, "--artifacts", _temp.Path, "--certs-dir", theirs);
        // Which side of a stranger's handshake refuses first is a race (each checks the other's
        // certificate); either way the association fails.
        foreach (var (refused, scheme) in new[] { (await plain, "akka.tcp"), (await stranger, "akka.ssl.tcp") })
        {
            Assert.True(refused.ExitCode == ExitCodes.Unavailable, $"exit {refused.ExitCode}: {refused.Stderr}");
            Assert.Contains($"Association failed with {scheme}://cora@127.0.0.1:{node.Port}", refused.Stderr);
        }

        // The node drops a TLS client that shows no certificate, or one our CA did not sign, even
        // one that trusts the node's certificate (so the node's own check decides).
        using var ca = X509CertificateLoader.LoadCertificateFromFile(new CertsDirectory(certs).CaCertificate);
        Assert.True(await CutOff(node.Port, ca, null));
        using var theirClient = X509CertificateLoader.LoadPkcs12FromFile(new CertsDirectory(theirs).ClientKeyStore, "");
        Assert.True(await CutOff(node.Port, ca, theirClient));
        await Eventually(() => node.Output.Contains("CN=theirs-ops is not one of this cluster's", StringComparison.Ordinal), node);

        // The joiners tried and failed; the cluster is still the one node.
        await Eventually(() => strangerNode.Output.Contains($"Association failed with akka.ssl.tcp://cora@127.0.0.1:{node.Port}", StringComparison.Ordinal), strangerNode);
        await Eventually(() => plainNode.Output.Contains($"Association failed with akka.tcp://cora@127.0.0.1:{node.Port}", StringComparison.Ordinal), plainNode);
        (code, stdout, stderr) = await NodeProcess.RunAsync(Token, "cluster", "show", "--contact", node.Contact, "--certs-dir", certs, "--json");
        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Single(JsonDocument.Parse(stdout).RootElement.GetProperty("members").EnumerateArray());
        Assert.False(plainNode.IsUp || strangerNode.IsUp);
        Assert.Contains("Rejected incoming connection", node.Output);
    }

    /// <summary>Opens a TLS connection to a node the way a peer would, trusting the node's
    /// certificate (it chains to <paramref name="ca"/>), with <paramref name="certificate"/> as the
    /// client certificate; true when the node ends it (in the handshake, or with an alert right
    /// after, as TLS 1.3 servers do).</summary>
    private static async Task<bool> CutOff(int port, X509Certificate2 ca, X509Certificate2? certificate)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream());
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                RemoteCertificateValidationCallback = (_, server, _, _) => server is X509Certificate2 shown && PeerValidation.ChainError(shown, ca) is null,
                ClientCertificates = certificate is null ? null : [certificate],
            });
            // A node that accepted would wait here for the Akka handshake, and this would time out.
            return await tls.ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(30)) == 0;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            return true;
        }
    }

    private static UnixFileMode ModeOf(string file) =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException("file modes are Unix's") : File.GetUnixFileMode(file);

    private static async Task Eventually(Func<bool> condition, NodeProcess node)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not seen within a minute; node on port {node.Port}:\n{node.Output}");
            await Task.Delay(200);
        }
    }
}
