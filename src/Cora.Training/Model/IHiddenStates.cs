using static TorchSharp.torch;

namespace Cora.Training.Model;

/// <summary>
/// A model whose per-token hidden states can be read at a chosen depth: transformers'
/// <c>hidden_states[layer]</c>, 0 being the embeddings. What BERTScore embeds tokens with.
/// </summary>
public interface IHiddenStates
{
    /// <summary>The deepest hidden state there is (the number of layers).</summary>
    int LayerCount { get; }

    /// <summary>Where the weights are (inputs must be there too).</summary>
    Device Device { get; }

    /// <param name="inputIds">(B, T) int64 token ids.</param>
    /// <param name="attentionMask">(B, T), 1 for real tokens and 0 for padding.</param>
    /// <param name="layer">0 … <see cref="LayerCount"/>.</param>
    /// <returns>(B, T, D); rows of padding positions are meaningless.</returns>
    Tensor HiddenState(Tensor inputIds, Tensor attentionMask, int layer);
}
