using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.Model;

/// <summary>Root-mean-square layer norm as Llama uses it: <c>w * (x / sqrt(mean(x²) + eps))</c>,
/// computed in float32 whatever the input dtype (as transformers' LlamaRMSNorm).</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are checkpoint keys
    private readonly Parameter weight;
#pragma warning restore IDE1006
    private readonly double _eps;

    public RmsNorm(long size, double eps, Placement? placement = null) : base(nameof(RmsNorm))
    {
        weight = (placement ?? Placement.CpuFloat32).Ones(size);
        _eps = eps;
        RegisterComponents();
    }

    public Parameter Weight => weight;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x.to(float32);
        h = h * rsqrt(h.pow(2).mean([-1], keepdim: true) + _eps);
        return (weight * h.to(x.dtype)).MoveToOuterDisposeScope();
    }
}
