using Cora.Actors;
using Cora.Cluster.Certificates;
using Cora.Cluster.Hosting;

namespace Cora.Cluster.Tests.MultiNode;

public sealed class TlsSettingsTests
{
    [Fact]
    public void By_default_remoting_is_tls_with_no_certificates_set_and_hostnames_checked()
    {
        Assert.Equal(new TlsSettings(Enabled: true, CertsDir: "", Password: "", ValidateCertificateHostname: true), TlsSettings.Create(CoraConfig.Reference));
        Assert.Equal(TimeSpan.FromSeconds(60), CoraConfig.Reference.GetTimeSpan("cora.console.timeout"));
    }

    [Fact]
    public void A_node_certificate_names_its_ips_its_dns_names_and_one_label_under_a_wildcard()
    {
        using var ca = CertificateAuthority.CreateCa("Test CA", DateTimeOffset.UtcNow);
        using var node = CertificateAuthority.IssueNode(ca, ["10.0.0.1", "node-1.example", "*.cora-trainer.cora.svc.cluster.local"], DateTimeOffset.UtcNow);
        Assert.True(PeerValidation.Names(node, "10.0.0.1"));
        Assert.False(PeerValidation.Names(node, "10.0.0.2"));
        Assert.True(PeerValidation.Names(node, "NODE-1.example"));
        Assert.True(PeerValidation.Names(node, "cora-trainer-0.cora-trainer.cora.svc.cluster.local"));
        Assert.False(PeerValidation.Names(node, "a.b.cora-trainer.cora.svc.cluster.local"));
        Assert.False(PeerValidation.Names(node, "cora-trainer.cora.svc.cluster.local"));
        Assert.Null(PeerValidation.ChainError(node, ca));
        Assert.Equal("CN=10.0.0.1", node.Subject);
        Assert.True(node.NotAfter <= ca.NotAfter && node.NotBefore >= ca.NotBefore);
    }

    [Fact]
    public void Loopback_is_127_8_the_v6_loopback_and_localhost_only()
    {
        Assert.All(["127.0.0.1", "127.1.2.3", "::1", "localhost"], h => Assert.True(Loopback.Is(h), h));
        Assert.All(["0.0.0.0", "", "10.0.0.1", "::", "example.org"], h => Assert.False(Loopback.Is(h), h));
    }
}
