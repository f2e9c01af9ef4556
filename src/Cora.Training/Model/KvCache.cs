using static TorchSharp.torch;

namespace Cora.Training.Model;

/// <summary>
/// Keys and values of the positions already processed, per layer, so that generation feeds one new
/// token at a time. Owns its tensors (outside any dispose scope); dispose it when generation ends.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;

    public KvCache(int layers)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
    }

    /// <summary>Number of positions cached (the position of the next token).</summary>
    public long Length => _keys[0]?.shape[2] ?? 0;

    /// <summary>Appends this step's keys/values (B, KV, T, d) to layer <paramref name="layer"/>
    /// and returns everything cached for it, (B, KV, S, d), owned by the caller's dispose scope.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        var allKeys = _keys[layer] is { } k ? cat([k, keys], 2) : keys.alias();
        var allValues = _values[layer] is { } v ? cat([v, values], 2) : values.alias();
        _keys[layer]?.Dispose();
        _values[layer]?.Dispose();
        _keys[layer] = allKeys.detach().DetachFromDisposeScope();
        _values[layer] = allValues.detach().DetachFromDisposeScope();
        return (allKeys, allValues);
    }

    public void Dispose()
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i]?.Dispose();
            _values[i]?.Dispose();
            _keys[i] = _values[i] = null;
        }
    }
}
