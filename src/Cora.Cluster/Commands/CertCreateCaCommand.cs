using System.CommandLine;
using Cora.Cluster.Certificates;

namespace Cora.Cluster.Commands;

/// <summary><c>cora cert create-ca --certs-dir DIR --ca-key FILE [--overwrite]</c>: the cluster's
/// CA: its certificate as DIR/ca.crt, its private key as FILE (mode 0600).</summary>
public static class CertCreateCaCommand
{
    public static Command Create()
    {
        var options = new CertOptions();
        var command = new Command("create-ca", "Make the cluster's certificate authority (ca.crt in the certs directory, the key at --ca-key)");
        options.AddTo(command);
        command.SetAction(parse =>
        {
            var directory = new CertsDirectory(parse.GetValue(options.CertsDir)!);
            var key = Path.GetFullPath(parse.GetValue(options.CaKey)!);
            using var ca = CertificateAuthority.CreateCa("Cora CA", DateTimeOffset.UtcNow);
            return options.Write(parse,
            [
                new(directory.CaCertificate, CertsDirectory.Pem(ca), Secret: false),
                new(key, CertsDirectory.PrivateKeyPem(ca), Secret: true),
            ]);
        });
        return command;
    }
}
