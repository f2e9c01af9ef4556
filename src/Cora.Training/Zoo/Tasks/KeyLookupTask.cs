using Cora.Training.Data;

namespace Cora.Training.Zoo.Tasks;

/// <summary>Find a key's value among 3-5 letter=number pairs: associative recall.</summary>
internal sealed class KeyLookupTask : SyntheticTask
{
    public override string Name => "key-lookup";
    public override string Description => "Return the value of one key among 3-5 letter=number pairs.";
    public override TaskRole Role => TaskRole.Source;

    internal override AlpacaExample Sample(SplitMix64 random)
    {
        var keys = random.DistinctIndices(random.Between(3, 5), 26);
        var values = keys.Select(_ => random.Between(0, 99)).ToArray();
        var asked = random.Next(keys.Length);
        var pairs = keys.Select((k, i) => $"{(char)('a' + k)}={values[i]}");
        return new AlpacaExample(
            $"Given {string.Join(", ", pairs)}, what is {(char)('a' + keys[asked])}?", "", $"{values[asked]}");
    }
}
