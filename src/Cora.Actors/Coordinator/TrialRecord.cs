using System.Text.Json;
using System.Text.Json.Serialization;
using Cora.Actors.Grids;

namespace Cora.Actors.Coordinator;

/// <summary>Where a trial is in its lifecycle: pending → running(attempt) → succeeded | failed.
/// Written by name in snapshots.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrialState>))]
public enum TrialState
{
    Pending,
    Running,
    Succeeded,
    Failed,
}

/// <summary>One failed or abandoned attempt, kept for the record (failures are data).</summary>
public sealed record AttemptRecord(
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("at")] DateTimeOffset At);

/// <summary>The coordinator's view of one trial. Mutated only by <see cref="SweepBook.Apply"/>.</summary>
public sealed class TrialRecord(TrialPlan plan, long order)
{
    public TrialPlan Plan { get; } = plan;

    /// <summary>Submission order: pending trials are handed out oldest first.</summary>
    public long Order { get; } = order;

    public TrialState State { get; set; } = TrialState.Pending;

    /// <summary>The latest attempt number started (0: never started).</summary>
    public int Attempt { get; set; }

    /// <summary>Failed attempts so far; requeued (abandoned) attempts do not count.</summary>
    public int FailedAttempts { get; set; }

    public string? Trainer { get; set; }
    public string? Node { get; set; }
    public int Slot { get; set; }
    public IReadOnlyDictionary<string, JsonElement>? Metrics { get; set; }
    public string? OutputDir { get; set; }
    public string? FailureReason { get; set; }
    public int DuplicatesDropped { get; set; }

    /// <summary>Abandoned attempts that count toward <see cref="TrialPlan.MaxAbandons"/>.</summary>
    public int Abandons { get; set; }

    /// <summary>Nodes where an attempt failed because of the node; the trial avoids them while another node can take it.</summary>
    public HashSet<string> FaultedNodes { get; } = new(StringComparer.Ordinal);

    /// <summary>The attempt whose result was recorded (a re-sent copy of it is not a duplicate).</summary>
    public int? SucceededAttempt { get; set; }
    public List<AttemptRecord> History { get; } = [];
}
