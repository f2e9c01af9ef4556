namespace Cora.Training.Zoo;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a tiny, fully specified generator, so that a seed
/// yields the same synthetic data on every machine and .NET version, and can be reproduced
/// outside .NET. <see cref="System.Random"/>'s seeded algorithm is an implementation detail.
/// </summary>
internal sealed class SplitMix64
{
    private ulong _state;

    public SplitMix64(int seed) => _state = unchecked((ulong)(long)seed);

    public ulong NextUInt64()
    {
        unchecked
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>), without modulo bias.</summary>
    public int Next(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        var n = (ulong)bound;
        // Values below 2^64 mod n would make the low residues more likely; redraw them.
        var threshold = unchecked(0UL - n) % n;
        while (true)
        {
            var r = NextUInt64();
            if (r >= threshold)
                return (int)(r % n);
        }
    }

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>], both included.</summary>
    public int Between(int min, int max) => min + Next(max - min + 1);

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary><paramref name="count"/> distinct indices below <paramref name="bound"/>, in draw order.</summary>
    public int[] DistinctIndices(int count, int bound)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, bound);
        var pool = Enumerable.Range(0, bound).ToArray();
        for (var i = 0; i < count; i++)
        {
            var j = i + Next(bound - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }

        return pool[..count];
    }
}
