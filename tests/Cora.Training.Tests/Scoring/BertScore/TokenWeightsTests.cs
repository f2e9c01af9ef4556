using Cora.Training.Scoring.BertScore;

namespace Cora.Training.Tests.Scoring.BertScore;

public sealed class TokenWeightsTests
{
    [Fact]
    public void Without_idf_every_token_weighs_one_except_the_special_ones()
    {
        var w = TokenWeights.Uniform([101, 102]);
        Assert.Equal([0.0, 1, 1, 0], w.Of([101, 7, 7, 102]));
    }

    [Fact]
    public void Idf_counts_each_reference_once_per_token()
    {
        // 3 references, [CLS] = 0 and [SEP] = 1 in all: df(0) = df(1) = 3, df(5) = 2 (twice in the
        // first reference, counted once), df(6) = df(7) = 1; M = 3.
        var w = TokenWeights.Idf([[0, 5, 5, 6, 1], [0, 5, 1], [0, 7, 1]]);
        Assert.Equal(0, w.Weight(0));                       // ln(4/4)
        Assert.Equal(0, w.Weight(1));
        Assert.Equal(Math.Log(4.0 / 3), w.Weight(5), 1e-15);
        Assert.Equal(Math.Log(2), w.Weight(6), 1e-15);
        Assert.Equal(Math.Log(4), w.Weight(9), 1e-15);      // in no reference: ln(M + 1)
    }
}
