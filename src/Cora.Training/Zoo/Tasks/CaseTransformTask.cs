using System.Text;
using Cora.Training.Data;

namespace Cora.Training.Zoo.Tasks;

/// <summary>Upper-case, lower-case or capitalise 2-4 randomly cased words: a per-character map.</summary>
internal sealed class CaseTransformTask : SyntheticTask
{
    private enum Transform
    {
        Upper,
        Lower,
        Capitalize,
    }

    public override string Name => "case-transform";
    public override string Description => "Convert 2-4 randomly cased words to upper case, lower case or capitalised words.";
    public override TaskRole Role => TaskRole.Source;

    internal override AlpacaExample Sample(SplitMix64 random)
    {
        var words = new string[random.Between(2, 4)];
        for (var i = 0; i < words.Length; i++)
            words[i] = RandomCase(random.Pick(Words.Common), random);
        var text = string.Join(' ', words);
        var transform = (Transform)random.Next(3);
        return transform switch
        {
            Transform.Upper => new AlpacaExample($"Convert to uppercase: {text}", "", text.ToUpperInvariant()),
            Transform.Lower => new AlpacaExample($"Convert to lowercase: {text}", "", text.ToLowerInvariant()),
            _ => new AlpacaExample(
                $"Capitalize each word: {text}", "", string.Join(' ', words.Select(Capitalize))),
        };
    }

    private static string RandomCase(string word, SplitMix64 random)
    {
        var builder = new StringBuilder(word.Length);
        foreach (var c in word)
            builder.Append(random.Next(2) == 0 ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
        return builder.ToString();
    }

    private static string Capitalize(string word) =>
        char.ToUpperInvariant(word[0]) + word[1..].ToLowerInvariant();
}
