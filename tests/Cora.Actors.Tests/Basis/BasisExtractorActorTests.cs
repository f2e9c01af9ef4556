using Akka.TestKit.Xunit2;
using Cora.Actors.Basis;
using Cora.Actors.Grids;
using Cora.Actors.Trainer;
using Cora.Training.Basis;

namespace Cora.Actors.Tests.Basis;

public sealed class BasisExtractorActorTests : TestKit, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _temp = new();

    public BasisExtractorActorTests() : base("akka.loglevel = INFO\nakka.loggers = [\"Akka.TestKit.TestEventListener, Akka.TestKit\"]")
    {
    }

    void IDisposable.Dispose()
    {
        Shutdown();
        _temp.Dispose();
    }

    private static BasisPlan Plan(int rank = 4) => new()
    {
        BasisId = $"basis-r{rank}",
        Sources = [Fixtures.Llama("mha-tiny")],
        MaxRank = rank,
        Mode = "shared-qkv",
        Method = "eigh",
    };

    [Fact]
    public void Concurrent_requests_for_one_basis_share_one_extraction()
    {
        var extractor = Sys.ActorOf(BasisExtractorActor.Props(_temp.Path));
        var trainers = Enumerable.Range(0, 3).Select(_ => CreateTestProbe()).ToList();
        EventFilter.Info(contains: "Extracting basis").Expect(1, Wait, () =>
        {
            for (var i = 0; i < trainers.Count; i++) extractor.Tell(new EnsureBasis(new TrialTicket($"t{i}", 1), Plan()), trainers[i]);
            var paths = trainers.Select((t, i) =>
            {
                var ready = t.ExpectMsg<BasisReady>(Wait);
                Assert.Equal($"t{i}", ready.Ticket.TrialId);
                return ready.Path;
            }).Distinct().ToList();
            Assert.Equal([Plan().PathIn(_temp.Path)], paths);
        });
        using var basis = BasisFile.Open(Plan().PathIn(_temp.Path));
        Assert.Equal(4, basis.Rank);

        // Already in the store: answered without a second extraction.
        EventFilter.Info(contains: "Extracting basis").Expect(0, TimeSpan.FromSeconds(2), () =>
        {
            extractor.Tell(new EnsureBasis(new TrialTicket("t9", 1), Plan()), TestActor);
            ExpectMsg<BasisReady>(Wait);
        });
    }

    [Fact]
    public void An_impossible_basis_fails_deterministically_for_every_waiter()
    {
        var extractor = Sys.ActorOf(BasisExtractorActor.Props(_temp.Path));
        extractor.Tell(new EnsureBasis(new TrialTicket("t1", 1), Plan(rank: 1000)), TestActor);
        var failed = ExpectMsg<BasisFailed>(Wait);
        Assert.True(failed.Deterministic);
        Assert.Contains("1000", failed.Reason);
        Assert.False(File.Exists(Plan(rank: 1000).PathIn(_temp.Path)));
    }
}
