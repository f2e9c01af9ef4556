using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.Encoders;

/// <summary>The stack of layers (<c>encoder.layer.{i}</c>).</summary>
public sealed class BertEncoder : nn.Module
{
#pragma warning disable IDE1006 // field names are checkpoint keys
    private readonly ModuleList<BertLayer> layer;
#pragma warning restore IDE1006

    public BertEncoder(EncoderConfig config) : base(nameof(BertEncoder))
    {
        layer = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config)).ToArray());
        RegisterComponents();
    }

    /// <summary>Runs the first <paramref name="count"/> layers. x: (B, T, D) → (B, T, D).</summary>
    public Tensor Forward(Tensor x, Tensor mask, int count)
    {
        using var scope = NewDisposeScope();
        for (var i = 0; i < count; i++) x = layer[i].Forward(x, mask);
        return x.MoveToOuterDisposeScope();
    }
}
