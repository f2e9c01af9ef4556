using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace Cora.Cluster.Certificates;

/// <summary>
/// How a node or console checks the certificate of the peer at the other end of an Akka.Remote
/// connection: it must chain to the cluster's own CA (<c>ca.crt</c>) — never to the machine's trust
/// store, so a certificate from any public CA is refused — and, when this side dialled, name the
/// host it dialled (<c>cora.tls.validate-certificate-hostname</c>). Akka's DotNetty transport
/// calls it on both sides of every TLS handshake (DotNettySslSetup's custom validator); with
/// mutual authentication a peer that presents no certificate is refused before this is asked.
/// </summary>
public static class PeerValidation
{
    public static CertificateValidationCallback Against(X509Certificate2 ca, bool validateHostname) =>
        (certificate, _, peer, errors, log) =>
        {
            // The chain and errors Akka passes were built against the machine's trust store, which
            // does not know the cluster's CA: only the name check is taken from them.
            if (certificate is null)
            {
                log.Warning("TLS: refused {0}: it presented no certificate", peer);
                return false;
            }
            if (ChainError(certificate, ca) is { } error)
            {
                log.Warning("TLS: refused {0}: its certificate {1} is not one of this cluster's ({2})", peer, certificate.Subject, error);
                return false;
            }
            if (validateHostname && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            {
                log.Warning("TLS: refused {0}: its certificate {1} does not name the host dialled (cora cert create-node HOST… lists them)", peer, certificate.Subject);
                return false;
            }
            return true;
        };

    /// <summary>Why <paramref name="certificate"/> does not chain to <paramref name="ca"/> now, or null when it does.</summary>
    public static string? ChainError(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        // The cluster's CA publishes no revocation list: a lost key means a new CA (README).
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain.Build(certificate) && chain.ChainElements[^1].Certificate.RawData.AsSpan().SequenceEqual(ca.RawData)) return null;
        var reasons = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToList();
        return reasons.Count > 0 ? string.Join("; ", reasons) : $"issued by {certificate.Issuer}";
    }

    /// <summary>Whether <paramref name="certificate"/>'s subject alternative names cover
    /// <paramref name="host"/> (an IP address, a DNS name, or a name under a <c>*.</c> wildcard).</summary>
    public static bool Names(X509Certificate2 certificate, string host)
    {
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (names is null) return false;
        if (IPAddress.TryParse(host, out var ip)) return names.EnumerateIPAddresses().Any(ip.Equals);
        return names.EnumerateDnsNames().Any(name =>
            string.Equals(name, host, StringComparison.OrdinalIgnoreCase)
            || (name.StartsWith("*.", StringComparison.Ordinal) && host.IndexOf('.') is > 0 and var dot
                && string.Equals(name[2..], host[(dot + 1)..], StringComparison.OrdinalIgnoreCase)));
    }
}
