using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Hosting;
using Akka.Remote.Transport.DotNetty;
using Cora.Cluster.Certificates;
using Cora.Training;

namespace Cora.Cluster.Hosting;

/// <summary>
/// How a node's or a console's Akka.Remote is secured: mutual TLS against the cluster's own CA
/// unless <c>--insecure</c>, which turns <c>akka.remote.dot-netty.tcp.enable-ssl</c> off and is
/// allowed on loopback only. Keys under <c>cora.tls</c> (documented in Cora.Actors'
/// reference.conf and hocon/node.conf), checked here with the bad key named.
/// </summary>
/// <param name="Enabled">False only with <c>--insecure</c>.</param>
/// <param name="CertsDir">The directory <c>cora cert</c> wrote (ca.crt, node.pfx, client.pfx); empty: not set.</param>
/// <param name="Password">The PKCS#12 password of node.pfx / client.pfx.</param>
/// <param name="ValidateCertificateHostname">Whether a peer this side dials must name the dialled host.</param>
public sealed record TlsSettings(bool Enabled, string CertsDir, string Password, bool ValidateCertificateHostname)
{
    public const string EnableKey = "akka.remote.dot-netty.tcp.enable-ssl";
    private const string HostnameKey = NodeConfig.HostnameKey;
    private const string PublicHostnameKey = NodeConfig.PublicHostnameKey;

    /// <summary>Who presents the certificate: a node (node.pfx) or a console (client.pfx).</summary>
    public enum Peer { Node, Console }

    /// <param name="config">A node's or console's config with Cora's reference defaults under it.</param>
    public static TlsSettings Create(Config config) => new(
        config.GetBoolean(EnableKey, true),
        config.GetString("cora.tls.certs-dir", ""),
        config.GetString("cora.tls.password", ""),
        config.GetBoolean("cora.tls.validate-certificate-hostname", true));

    /// <summary>The HOCON line that <c>--insecure</c> (or its absence) sets over every config file.</summary>
    public static string EnableLine(bool insecure) => $"{EnableKey} = {(insecure ? "off" : "on")}";

    /// <summary>
    /// This side's TLS for Akka.Remote: mutual authentication, with <see cref="PeerValidation"/>
    /// against ca.crt; null with <c>--insecure</c> (plain TCP). Refuses (naming the key) plain TCP
    /// off loopback, TLS without certificates, and a node certificate that does not name the host.
    /// </summary>
    public SslOptions? Ssl(Config config, Peer peer)
    {
        if (!Enabled)
        {
            foreach (var key in new[] { HostnameKey, PublicHostnameKey })
            {
                var host = config.GetString(key, "");
                if (key == PublicHostnameKey && string.IsNullOrEmpty(host)) continue;
                if (!Loopback.Is(host))
                    throw new InvalidInputException($"{key} = \"{host}\"{(host.Length == 0 ? " (every interface)" : "")}: --insecure (plain TCP) is allowed on loopback only (127.0.0.1, ::1, localhost). " +
                        $"Off this machine a {(peer == Peer.Node ? "node" : "console")} talks mutual TLS: drop --insecure and give it certificates ({MakeThem(peer)}).");
            }
            return null;
        }
        var (certificate, ca) = Load(peer);
        if (peer == Peer.Node && ValidateCertificateHostname)
        {
            // Peers dial the published address when there is one.
            var key = config.GetString(PublicHostnameKey, "") is { Length: > 0 } ? PublicHostnameKey : HostnameKey;
            var self = config.GetString(key, "");
            if (self.Length > 0 && self is not ("0.0.0.0" or "::") && !PeerValidation.Names(certificate, self))
                throw new InvalidInputException($"{key} = \"{self}\": {new CertsDirectory(CertsDir).NodeKeyStore} does not name this host, so peers would refuse it " +
                    $"(it names {string.Join(", ", AlternativeNames(certificate))}); make one with `cora cert create-node {self} … --overwrite`");
        }
        return new SslOptions
        {
            X509Certificate = certificate,
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            ValidateCertificateHostname = ValidateCertificateHostname,
            CustomValidator = PeerValidation.Against(ca, ValidateCertificateHostname),
        };
    }

    /// <summary>
    /// The console's actor system setup (a console is not a hosted node): <paramref name="config"/>,
    /// plus, with TLS, <see cref="Ssl"/> as Akka's DotNettySslSetup.
    /// </summary>
    public ActorSystemSetup Setup(Config config, Peer peer)
    {
        var bootstrap = BootstrapSetup.Create().WithConfig(config);
        if (Ssl(config, peer) is not { } ssl) return ActorSystemSetup.Create(bootstrap);
        return bootstrap.And(new DotNettySslSetup(ssl.X509Certificate!, ssl.SuppressValidation ?? false, ssl.RequireMutualAuthentication ?? true,
            ssl.ValidateCertificateHostname ?? true, ssl.CustomValidator));
    }

    /// <summary>This side's certificate (with its key) and the CA to check peers against.</summary>
    private (X509Certificate2 Certificate, X509Certificate2 Ca) Load(Peer peer)
    {
        var how = MakeThem(peer);
        if (string.IsNullOrWhiteSpace(CertsDir))
            throw new InvalidInputException($"cora.tls.certs-dir is not set. A Cora cluster talks mutual TLS, so a {(peer == Peer.Node ? "node" : "console")} needs certificates: {how}. " +
                "Point --certs-dir, CORA_CERTS_DIR or cora.tls.certs-dir (hocon/node.conf) at that directory; CORA_TLS_PASSWORD is the PKCS#12 password, if one was set. " +
                "For a cluster on this machine only, --insecure runs plain TCP on loopback.");
        var directory = new CertsDirectory(CertsDir);
        var hint = $"cora.tls.certs-dir is {directory.Path}; {how}";
        var ca = CertsDirectory.LoadCertificate(directory.CaCertificate, hint);
        var file = peer == Peer.Node ? directory.NodeKeyStore : directory.ClientKeyStore;
        var certificate = CertsDirectory.LoadKeyStore(file, Password, hint);
        if (PeerValidation.ChainError(certificate, ca) is { } error)
            throw new InvalidInputException($"{file}: not issued by {directory.CaCertificate} ({error}); {how}");
        return (certificate, ca);
    }

    private static string MakeThem(Peer peer) => peer == Peer.Node
        ? "make them with `cora cert create-ca --certs-dir DIR --ca-key SAFE/ca.key` once, then `cora cert create-node HOST… --certs-dir DIR --ca-key SAFE/ca.key` per node"
        : "make them with `cora cert create-client NAME --certs-dir DIR --ca-key SAFE/ca.key` (the cluster's CA key)";

    private static IEnumerable<string> AlternativeNames(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateDnsNames().Concat(e.EnumerateIPAddresses().Select(ip => ip.ToString())));
}
