using System.Globalization;

namespace Cora.Training.Basis;

/// <summary>Parses a <c>--layers</c> value: <c>all</c>, or layer indices separated by commas.</summary>
public static class LayerSelection
{
    /// <returns>Distinct layer indices in increasing order.</returns>
    /// <exception cref="InvalidInputException">An empty list, a non-integer, or an index outside <c>0..layerCount-1</c>.</exception>
    public static IReadOnlyList<int> Parse(string? text, int layerCount)
    {
        if (text is null || text.Trim() == "all") return [.. Enumerable.Range(0, layerCount)];
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var layers = new SortedSet<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var layer))
                throw new InvalidInputException($"--layers: '{part}' is not a layer index (expected 'all' or indices like 0,1,5)");
            if (layer >= layerCount)
                throw new InvalidInputException($"--layers: layer {layer} does not exist (the sources have layers 0..{layerCount - 1})");
            layers.Add(layer);
        }
        return [.. layers];
    }
}
