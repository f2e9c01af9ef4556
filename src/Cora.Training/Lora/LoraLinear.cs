using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.Lora;

/// <summary>
/// A linear projection with a LoRA adapter, as PEFT's <c>lora.Linear</c> computes it:
/// <c>y = base_layer(x) + lora_B(lora_A(dropout(x))) · scaling</c>. Parameter names are PEFT's
/// (<c>base_layer.weight</c>, <c>lora_A.weight</c>, <c>lora_B.weight</c>), without PEFT's adapter
/// name level (<c>lora_A.default.weight</c>), which its saved files leave out too.
/// The adapter computes in its own dtype (float32 unless changed), like PEFT's autocast of adapter
/// weights, and its output is cast back to the base output's dtype.
/// </summary>
public sealed class LoraLinear : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are checkpoint keys
    private readonly Linear base_layer;
    private readonly nn.Module<Tensor, Tensor> lora_dropout;
    private readonly Linear lora_A;
    private readonly Linear lora_B;
#pragma warning restore IDE1006

    /// <param name="baseLayer">The wrapped projection; its weight stays where it is (same tensor).</param>
    public LoraLinear(Linear baseLayer, int r, double scaling, double dropout) : base(nameof(LoraLinear))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(r);
        var weight = baseLayer.weight ?? throw new ArgumentException("the base layer has no weight", nameof(baseLayer));
        OutFeatures = weight.shape[0];
        InFeatures = weight.shape[1];
        Rank = r;
        Scaling = scaling;
        base_layer = baseLayer;
        lora_dropout = dropout > 0 ? nn.Dropout(dropout) : nn.Identity();
        lora_A = nn.Linear(InFeatures, r, hasBias: false, device: weight.device);
        lora_B = nn.Linear(r, OutFeatures, hasBias: false, device: weight.device);
        RegisterComponents();
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }
    public int Rank { get; }
    public double Scaling { get; }

    public Linear BaseLayer => base_layer;
    /// <summary>(r, in).</summary>
    public Parameter A => lora_A.weight!;
    /// <summary>(out, r).</summary>
    public Parameter B => lora_B.weight!;

    /// <summary>
    /// PiSSA's initial (A₀, B₀), kept (not as parameters) so that the adapter can be saved in the
    /// form PEFT uses for the unmodified base: ΔW = s(BA − B₀A₀). Null for every other method.
    /// </summary>
    public (Tensor A, Tensor B)? MutatedInit { get; internal set; }

    /// <param name="x">(…, in).</param>
    /// <returns>(…, out).</returns>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var result = base_layer.forward(x);                                          // (…, out)
        var input = x.dtype == A.dtype ? x : x.to(A.dtype);
        var delta = lora_B.forward(lora_A.forward(lora_dropout.forward(input))) * Scaling;  // (…, out)
        return (result + (delta.dtype == result.dtype ? delta : delta.to(result.dtype))).MoveToOuterDisposeScope();
    }

    /// <summary>The adapter's weight update s · B A, (out, in), in the adapter's dtype.</summary>
    public Tensor Delta()
    {
        using var _ = no_grad();
        return B.matmul(A).mul_(Scaling);
    }

    /// <summary>The merged weight W + s · B A, (out, in), in the base weight's dtype.</summary>
    public Tensor MergedWeight()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var weight = base_layer.weight!;
        return (weight.to(A.dtype) + Delta()).to(weight.dtype).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && MutatedInit is { } init)
        {
            init.A.Dispose();
            init.B.Dispose();
        }
        base.Dispose(disposing);
    }
}
