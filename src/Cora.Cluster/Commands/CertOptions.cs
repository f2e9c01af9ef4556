using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Cora.Cluster.Certificates;

using Cora.Cluster.Hosting;

namespace Cora.Cluster.Commands;

/// <summary>
/// What the <c>cora cert</c> commands share: <c>--certs-dir DIR</c> (where the certificates go;
/// nodes and consoles read it as <c>cora.tls.certs-dir</c>), <c>--ca-key FILE</c> (the CA's
/// private key, kept apart from the certs directory) and <c>--overwrite</c>. PKCS#12 files are
/// encrypted with CORA_TLS_PASSWORD (empty when unset; their 0600 mode is then the protection).
/// </summary>
public sealed class CertOptions
{
    public Option<string> CertsDir { get; } = new("--certs-dir") { Description = "Certificates directory (cora.tls.certs-dir of nodes and consoles)", Required = true };

    public Option<string> CaKey { get; } = new("--ca-key") { Description = "The CA's private key (PEM); keep it off the nodes", Required = true };

    public Option<bool> Overwrite { get; } = new("--overwrite") { Description = "Replace files that exist" };

    public void AddTo(Command command)
    {
        command.Options.Add(CertsDir);
        command.Options.Add(CaKey);
        command.Options.Add(Overwrite);
    }

    public static string Password => CoraEnvironment.Get(CoraEnvironment.TlsPassword) ?? "";

    /// <summary>Writes <paramref name="files"/> (refusing to replace any without --overwrite) and says on stdout which.</summary>
    public int Write(ParseResult parse, IReadOnlyList<CertsDirectory.Output> files)
    {
        CertsDirectory.Write(files, parse.GetValue(Overwrite));
        foreach (var file in files) parse.InvocationConfiguration.Output.WriteLine($"wrote {file.File}");
        return ExitCodes.Ok;
    }

    /// <summary>Signs a leaf certificate with the CA of the certs directory and writes it twice:
    /// with its key as PKCS#12 (0600) and alone as PEM.</summary>
    /// <param name="issue">Makes the certificate, given the CA (with its key) and the time now.</param>
    /// <param name="keyStore">The PKCS#12 file in the certs directory (node.pfx, client.pfx).</param>
    /// <param name="certificate">The PEM file (node.crt, client.crt).</param>
    public int IssueLeaf(ParseResult parse, Func<X509Certificate2, DateTimeOffset, X509Certificate2> issue,
        Func<CertsDirectory, string> keyStore, Func<CertsDirectory, string> certificate)
    {
        var directory = new CertsDirectory(parse.GetValue(CertsDir)!);
        using var ca = CertsDirectory.LoadCa(directory.CaCertificate, Path.GetFullPath(parse.GetValue(CaKey)!));
        using var leaf = issue(ca, DateTimeOffset.UtcNow);
        return Write(parse,
        [
            new(keyStore(directory), CertsDirectory.Pkcs12(leaf, Password), Secret: true),
            new(certificate(directory), CertsDirectory.Pem(leaf), Secret: false),
        ]);
    }
}
