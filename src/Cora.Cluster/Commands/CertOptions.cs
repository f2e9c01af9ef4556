using System.CommandLine;

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

    public static string Password => Environment.GetEnvironmentVariable("CORA_TLS_PASSWORD") ?? "";

    /// <summary>Says on stdout which files were written.</summary>
    public static void Report(TextWriter output, IEnumerable<string> files)
    {
        foreach (var file in files) output.WriteLine($"wrote {file}");
    }
}
