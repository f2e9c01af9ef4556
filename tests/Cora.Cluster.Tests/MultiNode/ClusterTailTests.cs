using Cora.Actors.Control;
using Cora.Cluster.Commands;

namespace Cora.Cluster.Tests.MultiNode;

public sealed class ClusterTailTests
{
    private static MemberView Member(string address, string status, bool reachable = true) => new(address, ["trainer"], status, reachable, new GpuView(1, 0));

    [Fact]
    public void Changes_name_joins_status_changes_reachability_and_removals()
    {
        var known = new Dictionary<string, MemberView>();
        Assert.Equal([("a", "member Up [trainer]")], ClusterTailCommand.Changes(known, new ClusterView([Member("a", "Up")])));
        Assert.Empty(ClusterTailCommand.Changes(known, new ClusterView([Member("a", "Up")])));
        Assert.Equal([("a", "unreachable"), ("b", "member Joining [trainer]")],
            ClusterTailCommand.Changes(known, new ClusterView([Member("a", "Up", reachable: false), Member("b", "Joining")])));
        Assert.Equal([("a", "status Up -> Down"), ("b", "status Joining -> Up")],
            ClusterTailCommand.Changes(known, new ClusterView([Member("a", "Down", reachable: false), Member("b", "Up")])));
        Assert.Equal([("a", "removed")], ClusterTailCommand.Changes(known, new ClusterView([Member("b", "Up")])));
    }
}
