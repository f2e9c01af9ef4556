using System.Net;

namespace Cora.Cluster.Hosting;

/// <summary>Loopback addresses: whatever is bound or dialled there never leaves the machine.</summary>
public static class Loopback
{
    /// <summary>127.0.0.0/8, ::1 or localhost.</summary>
    public static bool Is(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
}
