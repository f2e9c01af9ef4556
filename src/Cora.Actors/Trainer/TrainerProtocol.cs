using System.Text.Json;
using System.Text.Json.Serialization;
using Cora.Actors.Grids;
using Cora.Actors.Serialization;
using Cora.Training.Scoring.BertScore;

namespace Cora.Actors.Trainer;

/// <summary>Messages between a <see cref="GpuTrainer"/> and the node's helpers (loader, basis
/// extractor, evaluator). Every reply carries the <see cref="TrialTicket"/> it answers, so a reply
/// that arrives after its attempt was cancelled is recognised and dropped.</summary>
public interface ITrainerMessage : ICoraMessage;

/// <summary>One attempt of one trial.</summary>
public sealed record TrialTicket(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("attempt")] int Attempt);

/// <summary>Trainer → CheckpointLoader: are these checkpoints readable and well-formed?</summary>
public sealed record CheckCheckpoints(
    [property: JsonPropertyName("ticket")] TrialTicket Ticket,
    [property: JsonPropertyName("directories")] IReadOnlyList<string> Directories) : ITrainerMessage;

/// <param name="Problem">Null when every checkpoint is fine; else what is wrong, naming the file.</param>
/// <param name="NodeFault">The problem is this node's (a directory or file missing here, an I/O
/// or permission error), not the checkpoint's content.</param>
public sealed record CheckpointsChecked(
    [property: JsonPropertyName("ticket")] TrialTicket Ticket,
    [property: JsonPropertyName("problem")] string? Problem,
    [property: JsonPropertyName("node_fault")] bool NodeFault = false) : ITrainerMessage;

/// <summary>Trainer → BasisExtractorActor: make sure this basis exists in the artifact store.</summary>
public sealed record EnsureBasis(
    [property: JsonPropertyName("ticket")] TrialTicket Ticket,
    [property: JsonPropertyName("basis")] BasisPlan Basis) : ITrainerMessage;

public sealed record BasisReady(
    [property: JsonPropertyName("ticket")] TrialTicket Ticket,
    [property: JsonPropertyName("path")] string Path) : ITrainerMessage;

/// <param name="Deterministic">The inputs are bad (a retry cannot help).</param>
/// <param name="NodeFault">An I/O or permission error on this node (a source missing here, the
/// store not writable): another node may succeed.</param>
public sealed record BasisFailed(
    [property: JsonPropertyName("ticket")] TrialTicket Ticket,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("deterministic")] bool Deterministic,
    [property: JsonPropertyName("node_fault")] bool NodeFault = false) : ITrainerMessage;

/// <summary>Trainer → Evaluator: score a predictions file and write the report beside it.</summary>
public sealed record ScorePredictions(
    [property: JsonPropertyName("ticket")] TrialTicket Ticket,
    [property: JsonPropertyName("predictions")] string Predictions,
    [property: JsonPropertyName("metrics")] IReadOnlyList<string> Metrics,
    [property: JsonPropertyName("output")] string Output,
    [property: JsonPropertyName("bertscore")] BertScoreOptions? BertScore = null) : ITrainerMessage;

/// <param name="Corpus">The corpus object of <c>cora eval score</c>.</param>
public sealed record PredictionsScored(
    [property: JsonPropertyName("ticket")] TrialTicket Ticket,
    [property: JsonPropertyName("corpus")] IReadOnlyDictionary<string, JsonElement> Corpus) : ITrainerMessage;

public sealed record ScoringFailed(
    [property: JsonPropertyName("ticket")] TrialTicket Ticket,
    [property: JsonPropertyName("reason")] string Reason) : ITrainerMessage;
