using System.CommandLine;
using Cora.Cluster.Certificates;

namespace Cora.Cluster.Commands;

/// <summary><c>cora cert create-node HOST… --certs-dir DIR --ca-key FILE [--overwrite]</c>: a node
/// certificate signed by the CA, naming every HOST (the hostnames and IPs peers and consoles dial
/// it at) — DIR/node.pfx with its key, DIR/node.crt to inspect.</summary>
public static class CertCreateNodeCommand
{
    public static Command Create()
    {
        var options = new CertOptions();
        var hosts = new Argument<string[]>("HOST") { Description = "Hostnames, *.wildcards or IP addresses the node is reached at", Arity = ArgumentArity.OneOrMore };
        var command = new Command("create-node", "Make a node certificate signed by the CA (node.pfx, node.crt)") { hosts };
        options.AddTo(command);
        command.SetAction(parse => options.IssueLeaf(parse,
            (ca, now) => CertificateAuthority.IssueNode(ca, parse.GetValue(hosts)!, now), d => d.NodeKeyStore, d => d.NodeCertificate));
        return command;
    }
}
