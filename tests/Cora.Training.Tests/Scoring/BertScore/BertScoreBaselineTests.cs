using Cora.Training.Scoring.BertScore;

namespace Cora.Training.Tests.Scoring.BertScore;

public sealed class BertScoreBaselineTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Reads_the_row_of_the_layer_from_a_bert_score_file()
    {
        // The first rows of bert-score's rescale_baseline/en/roberta-large.tsv (comma-separated despite the name).
        File.WriteAllText(_temp.File("b.tsv"), "LAYER,P,R,F\n0,0.3712891,0.37132213,0.36826715\n1,0.67176163,0.6717439,0.6703483\n");
        Assert.Equal(new BertScoreBaseline(0.67176163, 0.6717439, 0.6703483), BertScoreBaseline.Load(_temp.File("b.tsv"), 1));
        File.WriteAllText(_temp.File("t.tsv"), "LAYER\tP\tR\tF\n0\t0.1\t0.2\t0.3\n");
        Assert.Equal(new BertScoreBaseline(0.1, 0.2, 0.3), BertScoreBaseline.Load(_temp.File("t.tsv"), 0));
    }

    [Theory]
    [InlineData("LAYER,P,R,F\n0,0.1,0.2,0.3\n", 2, "no baseline for layer 2")]
    [InlineData("P,R,F\n0.1,0.2,0.3\n", 0, "line 1 must be the header LAYER,P,R,F")]
    [InlineData("LAYER,P,R,F\n0,0.1,x,0.3\n", 0, "line 2 is not four numbers")]
    public void Bad_files_are_named(string content, int layer, string message)
    {
        File.WriteAllText(_temp.File("b.csv"), content);
        var e = Assert.Throws<InvalidInputException>(() => BertScoreBaseline.Load(_temp.File("b.csv"), layer));
        Assert.Contains(_temp.File("b.csv"), e.Message);
        Assert.Contains(message, e.Message);
    }
}
