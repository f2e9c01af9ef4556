using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cora.Training;

namespace Cora.Cluster.Certificates;

/// <summary>
/// A certs directory: the files <c>cora cert</c> writes and nodes and consoles read
/// (<c>cora.tls.certs-dir</c>). The CA's private key is never in it (<c>--ca-key</c>), so the
/// directory can be copied to nodes without letting them sign certificates.
/// <list type="bullet">
/// <item><c>ca.crt</c>: the cluster CA's certificate (PEM); every peer is checked against it.</item>
/// <item><c>node.pfx</c>: a node's certificate with its private key (PKCS#12, mode 0600);
/// <c>node.crt</c> is its certificate alone (PEM, to inspect).</item>
/// <item><c>client.pfx</c>, <c>client.crt</c>: the same for a console.</item>
/// </list>
/// </summary>
public sealed class CertsDirectory(string path)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);
    public string CaCertificate => File("ca.crt");
    public string NodeCertificate => File("node.crt");
    public string NodeKeyStore => File("node.pfx");
    public string ClientCertificate => File("client.crt");
    public string ClientKeyStore => File("client.pfx");

    private string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>One file to write: secrets (private keys) get mode 0600, certificates 0644.</summary>
    public sealed record Output(string File, byte[] Content, bool Secret);

    /// <summary>
    /// Writes every file, each atomically (a temp file renamed over it). Without
    /// <paramref name="overwrite"/> nothing is written when any of them exists.
    /// </summary>
    public static void Write(IReadOnlyList<Output> files, bool overwrite)
    {
        if (!overwrite && files.FirstOrDefault(f => System.IO.File.Exists(f.File)) is { } existing)
            throw new InvalidInputException($"{existing.File} exists; pass --overwrite to replace it");
        foreach (var file in files)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file.File)!);
            var temp = file.File + ".tmp";
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            var mode = file.Secret
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
            System.IO.File.Delete(temp);   // a leftover temp file would keep its old mode
            using (var stream = new FileStream(temp, options)) stream.Write(file.Content);
            System.IO.File.Move(temp, file.File, overwrite);
        }
    }

    /// <summary>The PEM text of a certificate.</summary>
    public static byte[] Pem(X509Certificate2 certificate) => System.Text.Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n");

    /// <summary>A certificate with its private key as PKCS#12 (AES-256 / SHA-256 key encryption).</summary>
    public static byte[] Pkcs12(X509Certificate2 certificate, string password) =>
        certificate.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, password);

    /// <summary>The CA's private key as PEM (PKCS#8).</summary>
    public static byte[] PrivateKeyPem(X509Certificate2 certificate) =>
        System.Text.Encoding.ASCII.GetBytes((certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the certificate has no ECDSA private key")).ExportPkcs8PrivateKeyPem() + "\n");

    /// <summary>The CA certificate with its private key, to sign with.</summary>
    public static X509Certificate2 LoadCa(string certificateFile, string keyFile)
    {
        Require(certificateFile, "run `cora cert create-ca` first");
        Require(keyFile, "give the CA key `cora cert create-ca` wrote (--ca-key)");
        try
        {
            return X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new InvalidInputException($"{keyFile}: not the private key of {certificateFile} ({e.Message})");
        }
    }

    /// <summary>A CA certificate (PEM), to check peers against.</summary>
    public static X509Certificate2 LoadCertificate(string file, string hint)
    {
        Require(file, hint);
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(file);
        }
        catch (CryptographicException e)
        {
            throw new InvalidInputException($"{file}: not a certificate ({e.Message})");
        }
    }

    /// <summary>A certificate with its private key from a PKCS#12 file.</summary>
    public static X509Certificate2 LoadKeyStore(string file, string password, string hint)
    {
        Require(file, hint);
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(file, password);
        }
        catch (CryptographicException e)
        {
            throw new InvalidInputException($"{file}: cannot read it with the password in cora.tls.password (CORA_TLS_PASSWORD): {e.Message}");
        }
        if (!certificate.HasPrivateKey) throw new InvalidInputException($"{file}: holds no private key");
        return certificate;
    }

    private static void Require(string file, string hint)
    {
        if (!System.IO.File.Exists(file)) throw new InvalidInputException($"{file} does not exist; {hint}");
    }
}
