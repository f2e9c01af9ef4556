using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cora.Training;

namespace Cora.Cluster.Certificates;

/// <summary>
/// A cluster's own certificate authority, as CockroachDB's <c>cockroach cert</c> makes one: a
/// self-signed CA that signs node certificates (the node's hostnames and IPs as subject
/// alternative names; server and client use, since nodes connect to each other) and client
/// certificates for consoles. Keys are ECDSA P-256. Nothing here touches files (see
/// <see cref="CertsDirectory"/>).
/// </summary>
public static class CertificateAuthority
{
    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(10 * 365);
    public static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(5 * 365);

    // Certificates start an hour in the past so a peer whose clock is a little behind accepts them.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromHours(1);

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>A self-signed CA certificate with its private key; it may sign leaf certificates only.</summary>
    public static X509Certificate2 CreateCa(string commonName, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(now - ClockSkew, now + CaLifetime);
    }

    /// <summary>A node certificate for <paramref name="hosts"/> (DNS names, wildcards such as
    /// <c>*.cora-trainer.cora.svc.cluster.local</c>, or IP addresses); the first one is its CN.</summary>
    public static X509Certificate2 IssueNode(X509Certificate2 ca, IReadOnlyList<string> hosts, DateTimeOffset now)
    {
        if (hosts.Count == 0) throw new InvalidInputException("a node certificate needs at least one hostname or IP address (the addresses peers and consoles dial)");
        var names = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts)
        {
            if (IPAddress.TryParse(host, out var ip)) names.AddIpAddress(ip);
            else if (Uri.CheckHostName(host.Replace("*.", "", StringComparison.Ordinal)) == UriHostNameType.Dns) names.AddDnsName(host);
            else throw new InvalidInputException($"{host}: not a hostname or an IP address");
        }
        return Issue(ca, $"CN={hosts[0]}", [ServerAuth, ClientAuth], names.Build(), now);
    }

    /// <summary>A client certificate (for a console) with <paramref name="name"/> as its CN.</summary>
    public static X509Certificate2 IssueClient(X509Certificate2 ca, string name, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny([',', '=', '+', '"', '\\', '<', '>', ';']) >= 0)
            throw new InvalidInputException($"client name \"{name}\": use letters, digits, '.', '-', '_' or '@'");
        return Issue(ca, $"CN={name}", [ClientAuth], null, now);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, Oid[] usages, X509Extension? alternativeNames, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. usages], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (alternativeNames is not null) request.CertificateExtensions.Add(alternativeNames);
        // A leaf lies within its CA's validity (CertificateRequest.Create refuses it otherwise).
        var notBefore = now - ClockSkew > ca.NotBefore ? now - ClockSkew : new DateTimeOffset(ca.NotBefore);
        var notAfter = now + LeafLifetime < ca.NotAfter ? now + LeafLifetime : new DateTimeOffset(ca.NotAfter);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;   // a positive serial number
        using var issued = request.Create(ca, notBefore, notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }
}
