using Cora.Training.Data;

namespace Cora.Training.Zoo.Tasks;

/// <summary>Reverse a list of 3-6 words: a pure sequence-position skill.</summary>
internal sealed class ReverseWordsTask : SyntheticTask
{
    public override string Name => "reverse-words";
    public override string Description => "Reverse the order of 3-6 common words.";
    public override TaskRole Role => TaskRole.Source;

    internal override AlpacaExample Sample(SplitMix64 random)
    {
        var words = new string[random.Between(3, 6)];
        for (var i = 0; i < words.Length; i++)
            words[i] = random.Pick(Words.Common);
        var reversed = words.Reverse();
        return new AlpacaExample(
            $"Reverse the order of these words: {string.Join(' ', words)}", "", string.Join(' ', reversed));
    }
}
