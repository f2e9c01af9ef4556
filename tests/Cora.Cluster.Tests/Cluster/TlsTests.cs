using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Cora.Cluster.Commands;

namespace Cora.Cluster.Tests.Cluster;

/// <summary>hocon/node.conf's TLS settings, switched on: a node and a console talk over
/// akka.ssl.tcp with a PKCS#12 certificate.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task A_node_and_a_console_with_the_tls_settings_talk_over_tls()
    {
        using var temp = new TempDirectory();
        var certificate = temp.File("node.pfx");
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllBytes(certificate, cert.Export(X509ContentType.Pfx, "secret"));
        }
        // The shipped config with TLS on; a self-signed test certificate cannot be validated.
        var config = temp.File("node-tls.conf");
        File.WriteAllText(config, File.ReadAllText(Path.Combine(Fixtures.Repository, "hocon", "node.conf")) + $"""

            akka.remote.dot-netty.tcp.enable-ssl = true
            akka.remote.dot-netty.tcp.ssl.suppress-validation = true
            akka.remote.dot-netty.tcp.ssl.certificate.path = {JsonSerializer.Serialize(certificate)}
            akka.remote.dot-netty.tcp.ssl.certificate.password = "secret"
            """);
        using var node = NodeProcess.StartNode(config, "token", "--role", "coordinator", "--single-node", "--db", temp.File("journal.db"));
        await node.WaitUpAsync();

        var (code, stdout, stderr) = await NodeProcess.RunAsync("token", "cluster", "show", "--contact", node.Contact, "--config", config, "--json");
        Assert.True(code == ExitCodes.Ok, stderr);
        var member = JsonDocument.Parse(stdout).RootElement.GetProperty("members").EnumerateArray().Single();
        Assert.Equal($"akka.ssl.tcp://cora@127.0.0.1:{node.Port}", member.GetProperty("address").GetString());
    }
}
