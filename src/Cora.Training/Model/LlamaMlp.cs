using TorchSharp;
using static TorchSharp.torch;

namespace Cora.Training.Model;

/// <summary>
/// Llama's gated MLP: <c>down(silu(gate(x)) * up(x))</c>. The projections are plain
/// <see cref="nn.Module{T, TResult}"/> fields so that LoRA can wrap them (<see cref="ReplaceProjection"/>).
/// </summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are checkpoint keys
    private nn.Module<Tensor, Tensor> gate_proj;
    private nn.Module<Tensor, Tensor> up_proj;
    private nn.Module<Tensor, Tensor> down_proj;
#pragma warning restore IDE1006

    public LlamaMlp(LlamaConfig config, Placement placement) : base(nameof(LlamaMlp))
    {
        gate_proj = placement.Linear(config.HiddenSize, config.IntermediateSize, config.MlpBias);
        up_proj = placement.Linear(config.HiddenSize, config.IntermediateSize, config.MlpBias);
        down_proj = placement.Linear(config.IntermediateSize, config.HiddenSize, config.MlpBias);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.silu(gate_proj.forward(x)) * up_proj.forward(x);  // (B, T, I)
        return down_proj.forward(h).MoveToOuterDisposeScope();                  // (B, T, D)
    }

    /// <summary>The projection names, in call order.</summary>
    public static IReadOnlyList<string> ProjectionNames { get; } = ["gate_proj", "up_proj", "down_proj"];

    /// <summary>The projection modules by checkpoint name (gate_proj, up_proj, down_proj).</summary>
    public nn.Module<Tensor, Tensor> Projection(string name) => name switch
    {
        "gate_proj" => gate_proj,
        "up_proj" => up_proj,
        "down_proj" => down_proj,
        _ => throw new ArgumentException($"no projection named {name}", nameof(name)),
    };

    /// <summary>Puts <paramref name="module"/> in place of the projection <paramref name="name"/>,
    /// under the same name (see <see cref="LlamaAttention.ReplaceProjection"/>).</summary>
    public void ReplaceProjection(string name, nn.Module<Tensor, Tensor> module)
    {
        _ = Projection(name);
        switch (name)
        {
            case "gate_proj": gate_proj = module; break;
            case "up_proj": up_proj = module; break;
            default: down_proj = module; break;
        }
        SubmoduleSlots.Reregister(this, ProjectionNames, Projection);
    }
}
