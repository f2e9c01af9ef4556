using System.Security.Cryptography;
using System.Text;
using Cora.Training.Checkpoints;
using Cora.Training.Model;

namespace Cora.Training.Basis;

/// <summary>
/// The content hash of a source model as a basis sees it: SHA-256 over a version line,
/// <c>config.json</c>'s bytes, then each q/k/v weight in reading order (layer ascending; q, k, v)
/// as a line <c>"{name} {dtype} [{shape}] {bytes}\n"</c> followed by its raw bytes.
/// </summary>
/// <remarks>
/// Only what the basis depends on is read: the MLP, embeddings and norms (three quarters of a
/// Llama checkpoint's bytes) are never touched, and a source whose config and q/k/v are unchanged
/// keeps its hash wherever it lives and however it is sharded. Extraction feeds the digest while it
/// reads each tensor for the mean (<see cref="SourceModels.Mean"/>), so every byte comes off the
/// disk once; the grid planner computes the same hash with <see cref="Of"/>.
/// </remarks>
public sealed class SourceDigest : IDisposable
{
    private const string Version = "cora-source-digest v1";

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <param name="directory">The checkpoint directory; its <c>config.json</c> is hashed first.</param>
    public SourceDigest(string directory)
    {
        var config = File.ReadAllBytes(Path.Combine(directory, LlamaCheckpoint.ConfigFileName));
        Line($"{Version}\n{LlamaCheckpoint.ConfigFileName} {config.Length}\n");
        _hash.AppendData(config);
    }

    /// <summary>The q/k/v weights of <paramref name="layers"/> in the order the digest takes them.</summary>
    public static IEnumerable<string> WeightNames(IEnumerable<int> layers) =>
        layers.Order().SelectMany(layer => BasisLayout.Projections.Select(p => BasisLayout.WeightName(layer, p)));

    /// <summary>Adds tensor <paramref name="name"/> (header line, then its bytes from the mapping).</summary>
    public void Add(SafetensorsCheckpoint checkpoint, string name)
    {
        var entry = checkpoint.Entry(name);
        Line($"{name} {entry.DType} [{string.Join(',', entry.Shape)}] {entry.ByteSize}\n");
        checkpoint.AppendBytes(name, _hash);
    }

    /// <summary>Lower-case hex SHA-256 of everything added.</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    /// <summary>The digest of every layer's q/k/v of the checkpoint in <paramref name="directory"/>.</summary>
    /// <exception cref="InvalidInputException">Bad config or weights, or a q/k/v weight is missing.</exception>
    public static string Of(string directory)
    {
        var config = LlamaConfig.Load(Path.Combine(directory, LlamaCheckpoint.ConfigFileName));
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        using var digest = new SourceDigest(directory);
        foreach (var name in WeightNames(Enumerable.Range(0, config.NumHiddenLayers)))
        {
            digest.Add(checkpoint, name);
        }
        return digest.Finish();
    }

    private void Line(string text) => _hash.AppendData(Encoding.UTF8.GetBytes(text));

    public void Dispose() => _hash.Dispose();
}
