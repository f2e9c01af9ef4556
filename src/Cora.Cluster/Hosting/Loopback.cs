using System.Net;

namespace Cora.Cluster.Hosting;

/// <summary>Loopback addresses: whatever is bound or dialled there never leaves the machine.</summary>
public static class Loopback
{
    /// <summary>The address a local-only node binds (<c>cora run</c>).</summary>
    public const string Address = "127.0.0.1";

    /// <summary>127.0.0.0/8, ::1 or localhost.</summary>
    public static bool Is(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
}
