using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Cora.Actors.Coordinator;
using Cora.Actors.Scheduling;
using Cora.Actors.Serialization;

namespace Cora.Actors.Tests.Serialization;

public sealed class CoraJsonSerializerTests() : TestKit(CoraConfig.Reference)
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Every_message_type_in_the_assembly_has_a_manifest_name()
    {
        var messageTypes = typeof(ICoraMessage).Assembly.GetTypes()
            .Where(t => typeof(ICoraMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false });
        Assert.All(messageTypes, t => MessageManifests.NameOf(t));
        Assert.Equal(MessageManifests.All.Count(), MessageManifests.All.Distinct().Count());
    }

    [Fact]
    public void Akka_picks_the_cora_serializer_for_our_messages_and_round_trips_them()
    {
        var serialization = ((ExtendedActorSystem)Sys).Serialization;
        var events = new object[]
        {
            new SweepSubmitted(Plans.Sweep("s1", "t1", "t2"), At),
            new TrialAssigned("t1", 1, "akka://x/user/trainer-0#1", "node-a", 0, At),
            new TrialSucceeded("t1", 1, Plans.Metrics(("rougeL", 0.5)), "/a", At),
            new TrialAttemptFailed("t1", 2, "exit code 134", false, At),
            new TrialRequeued("t1", 3, "trainer stopped", At),
            new DuplicateResultDropped("t1", 1, At),
            // The scheduler's events and protocol.
            new ScheduleAdded("nightly", "0 2 * * *", "Europe/Paris", "/grids/smoke.conf", At),
            new ScheduleRemoved("nightly", At),
            new SlotFired("nightly", At, "s1", true, At),
            new SlotSkipped("nightly", At.ToOffset(TimeSpan.FromHours(1)), "the previous sweep s1 of this schedule is still running", false, At),
            new AddSchedule("nightly", "0 2 * * *", "UTC", "/grids/smoke.conf"),
            new RemoveSchedule("nightly"),
            ListSchedules.Instance,
            new RunScheduleNow("nightly"),
            SchedulerTick.Instance,
            new ScheduleRejected("cron \"x\": bad"),
            new ScheduleList([new ScheduleView("nightly", "0 2 * * *", "Europe/Paris", "/g.conf", At.ToOffset(TimeSpan.FromHours(1)), At,
                new SlotOutcome("nightly", At, false, SlotOutcome.Fired, SweepId: "s1"))]),
        };
        foreach (var e in events)
        {
            var serializer = serialization.FindSerializerFor(e);
            Assert.IsType<CoraJsonSerializer>(serializer);
            var back = serialization.Deserialize(serializer.ToBinary(e), serializer.Identifier, MessageManifests.NameOf(e.GetType()));
            Assert.Equal(CoraJsonSerializer.Write(e), CoraJsonSerializer.Write(back));
        }
    }

    [Fact]
    public void An_event_written_with_a_field_this_version_does_not_know_still_reads()
    {
        var json = JsonNode.Parse(CoraJsonSerializer.Write(new TrialAttemptFailed("t1", 2, "exit code 134", false, At)))!.AsObject();
        json["gpu_temperature"] = 81;
        var back = (TrialAttemptFailed)CoraJsonSerializer.Read(Encoding.UTF8.GetBytes(json.ToJsonString()), "trial-attempt-failed");
        Assert.Equal(("t1", 2, "exit code 134"), (back.TrialId, back.Attempt, back.Reason));
    }

    [Fact]
    public void An_event_written_before_a_field_existed_replays_with_the_default()
    {
        // "deterministic" stands in for a field added after the event was journaled.
        var json = JsonNode.Parse(CoraJsonSerializer.Write(new TrialAttemptFailed("t1", 2, "exit code 134", true, At)))!.AsObject();
        json.Remove("deterministic");
        var back = (TrialAttemptFailed)CoraJsonSerializer.Read(Encoding.UTF8.GetBytes(json.ToJsonString()), "trial-attempt-failed");
        Assert.False(back.Deterministic);
        Assert.Equal("exit code 134", back.Reason);
    }

    [Fact]
    public void Result_rows_carry_the_output_dir_and_rows_from_an_older_node_read_without_it()
    {
        var results = SweepResults.Whole("s1", [new TrialRow("t1", "lora", 4, 0, "alpaca", 0, "succeeded", 1, Plans.Metrics(("rougeL", 0.5)), OutputDir: "/a/t1")]);
        var json = JsonNode.Parse(CoraJsonSerializer.Write(results))!.AsObject();
        var row = json["rows"]![0]!.AsObject();
        Assert.Equal("/a/t1", (string)row["output_dir"]!);
        row.Remove("output_dir");
        var back = (SweepResults)CoraJsonSerializer.Read(Encoding.UTF8.GetBytes(json.ToJsonString()), MessageManifests.NameOf(typeof(SweepResults)));
        Assert.Null(back.Rows[0].OutputDir);
        Assert.Equal(0.5, back.Rows[0].Metrics["rougeL"].GetDouble());
    }

    [Fact]
    public void An_unknown_manifest_is_an_error_that_names_it()
    {
        var e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => CoraJsonSerializer.Read("{}"u8, "sweep-exploded"));
        Assert.Contains("sweep-exploded", e.Message);
    }
}
