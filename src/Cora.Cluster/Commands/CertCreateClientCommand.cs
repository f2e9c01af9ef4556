using System.CommandLine;
using Cora.Cluster.Certificates;

namespace Cora.Cluster.Commands;

/// <summary><c>cora cert create-client NAME --certs-dir DIR --ca-key FILE [--overwrite]</c>: a
/// console's client certificate signed by the CA, with NAME as its CN — DIR/client.pfx with its
/// key, DIR/client.crt to inspect.</summary>
public static class CertCreateClientCommand
{
    public static Command Create()
    {
        var options = new CertOptions();
        var name = new Argument<string>("NAME") { Description = "Who the console is (the certificate's CN), e.g. ops or alice" };
        var command = new Command("create-client", "Make a console's client certificate signed by the CA (client.pfx, client.crt)") { name };
        options.AddTo(command);
        command.SetAction(parse =>
        {
            var directory = new CertsDirectory(parse.GetValue(options.CertsDir)!);
            using var ca = CertsDirectory.LoadCa(directory.CaCertificate, Path.GetFullPath(parse.GetValue(options.CaKey)!));
            using var client = CertificateAuthority.IssueClient(ca, parse.GetValue(name)!, DateTimeOffset.UtcNow);
            CertsDirectory.Output[] files =
            [
                new(directory.ClientKeyStore, CertsDirectory.Pkcs12(client, CertOptions.Password), Secret: true),
                new(directory.ClientCertificate, CertsDirectory.Pem(client), Secret: false),
            ];
            CertsDirectory.Write(files, parse.GetValue(options.Overwrite));
            CertOptions.Report(parse.InvocationConfiguration.Output, files.Select(f => f.File));
            return ExitCodes.Ok;
        });
        return command;
    }
}
