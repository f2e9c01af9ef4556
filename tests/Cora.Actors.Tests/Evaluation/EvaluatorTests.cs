using System.Text.Json;
using Akka.TestKit.Xunit2;
using Cora.Actors.Evaluation;
using Cora.Actors.Trainer;

namespace Cora.Actors.Tests.Evaluation;

public sealed class EvaluatorTests : TestKit, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _temp = new();

    void IDisposable.Dispose()
    {
        Shutdown();
        _temp.Dispose();
    }

    [Fact]
    public void Scores_like_eval_score_and_writes_the_full_report_beside_the_predictions()
    {
        var predictions = _temp.File("predictions.jsonl");
        File.WriteAllLines(predictions, ["{\"id\":\"a\",\"prediction\":\"the cat sat on the mat\",\"reference\":\"the cat sat on the mat\"}"]);
        var output = _temp.File("metrics.json");
        Sys.ActorOf(Evaluator.Props()).Tell(new ScorePredictions(new TrialTicket("t", 1), predictions, ["rouge", "sacrebleu"], output), TestActor);

        var scored = ExpectMsg<PredictionsScored>(Wait);
        Assert.Equal(1.0, scored.Corpus["rougeL"].GetDouble());
        Assert.Equal(100.0, scored.Corpus["bleu"].GetDouble(), 9);
        using var report = JsonDocument.Parse(File.ReadAllText(output));
        Assert.Equal(1.0, report.RootElement.GetProperty("pairs").GetProperty("a").GetProperty("rouge1").GetDouble());
    }

    [Fact]
    public void A_broken_predictions_file_is_a_scoring_failure_with_the_line()
    {
        var predictions = _temp.File("predictions.jsonl");
        File.WriteAllLines(predictions, ["{\"id\":\"a\",\"prediction\":\"x\",\"reference\":\"x\"}", "not json"]);
        Sys.ActorOf(Evaluator.Props()).Tell(new ScorePredictions(new TrialTicket("t", 1), predictions, ["rouge"], _temp.File("m.json")), TestActor);
        var failed = ExpectMsg<ScoringFailed>(Wait);
        Assert.Contains("line 2", failed.Reason);
    }
}
