using System.Text.Json;
using Akka.Actor;
using Cora.Actors.Trainer;
using Cora.Training.Generation;
using Cora.Training.IO;
using Cora.Training.Scoring;

namespace Cora.Actors.Evaluation;

/// <summary>
/// Scores a trial's predictions with the grid's metrics (the same code as <c>cora eval score</c>)
/// on a background task, writes the full report (corpus and per-pair) beside the predictions,
/// and answers with the corpus values. Needs no GPU.
/// </summary>
public sealed class Evaluator : ReceiveActor
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public Evaluator()
    {
        Receive<ScorePredictions>(request =>
        {
            var sender = Sender;
            Task.Run(() => Score(request)).PipeTo(sender,
                success: corpus => (object)new PredictionsScored(request.Ticket, corpus),
                failure: e => new ScoringFailed(request.Ticket, (e is AggregateException { InnerException: { } inner } ? inner : e).Message));
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new Evaluator());

    private static Dictionary<string, JsonElement> Score(ScorePredictions request)
    {
        var report = Training.Scoring.Evaluation.Score(Prediction.Load(request.Predictions), request.Metrics, request.BertScore);
        AtomicFile.WriteAllText(request.Output, JsonSerializer.Serialize(new { corpus = report.Corpus, pairs = report.Pairs }, Json) + "\n");
        return report.Corpus.ToDictionary(c => c.Key, c => JsonSerializer.SerializeToElement(c.Value), StringComparer.Ordinal);
    }
}
