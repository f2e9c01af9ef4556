namespace Cora.Training.Lora;

/// <summary>An adapter in a model: its decoder layer, projection name and module.</summary>
public sealed record LoraSite(int Layer, string Projection, LoraLinear Module)
{
    /// <summary>The wrapped module's Hugging Face path, e.g. <c>model.layers.0.self_attn.q_proj</c>.</summary>
    public string Path => $"model.layers.{Layer}.{Model.LlamaDecoderLayer.ProjectionPath(Projection)}";
}
