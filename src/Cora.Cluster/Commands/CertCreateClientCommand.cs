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
        command.SetAction(parse => options.IssueLeaf(parse,
            (ca, now) => CertificateAuthority.IssueClient(ca, parse.GetValue(name)!, now), d => d.ClientKeyStore, d => d.ClientCertificate));
        return command;
    }
}
