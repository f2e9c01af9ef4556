using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.Model;

/// <summary>
/// Where a model's weights live and in which dtype — <c>cpu</c> (float32) or <c>cuda</c> /
/// <c>cuda:N</c> (bfloat16; LoRA adapters stay float32) — and how its layers are allocated there:
/// storage only, no initialisation. Loading a 13B checkpoint then costs one allocation in the
/// target dtype on the target device plus one tensor in flight, not a float32 copy with a random
/// initialisation that is overwritten at once. CUDA needs the CUDA build
/// (<c>-p:TorchBackend=cuda</c>, README "GPU builds"); asking for it elsewhere is an error, never
/// a silent fall-back to the CPU.
/// </summary>
public sealed record Placement(Device Device, ScalarType Dtype)
{
    public static readonly Placement CpuFloat32 = new(CPU, ScalarType.Float32);

    public static Placement Parse(string name)
    {
        if (name == "cpu") return CpuFloat32;
        if (name == "cuda" || name.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new InvalidInputException($"device \"{name}\": CUDA is not available (no GPU, or Cora was built for CPU; see README \"GPU builds\")");
            var index = name == "cuda" ? 0 : int.TryParse(name[5..], out var i) && i >= 0 && i < cuda.device_count() ? i
                : throw new InvalidInputException($"device \"{name}\": there are {cuda.device_count()} CUDA devices (cuda:0 …)");
            return new Placement(new Device(DeviceType.CUDA, index), ScalarType.BFloat16);
        }
        throw new InvalidInputException($"device \"{name}\" is not cpu, cuda or cuda:N");
    }

    /// <summary>Whether <paramref name="name"/> is spelled as a device (cpu, cuda, cuda:N), without
    /// asking whether this machine has it: a grid is checked where it is submitted, and its trials
    /// run on trainer nodes that may have GPUs the submitting machine lacks.</summary>
    public static bool IsDeviceName(string name) =>
        name is "cpu" or "cuda" || (name.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(name[5..], out var i) && i >= 0);

    /// <summary>An uninitialised <c>Linear</c> (weight <c>[out, in]</c>, optional bias <c>[out]</c>).</summary>
    public Linear Linear(long inFeatures, long outFeatures, bool bias) => nn.Linear(
        new Parameter(empty(outFeatures, inFeatures, Dtype, Device)),
        bias ? new Parameter(empty(outFeatures, Dtype, Device)) : null);

    /// <summary>A trainable embedding table <c>[vocab, dim]</c>. TorchSharp initialises it (normal):
    /// <c>Embedding_from_pretrained</c> would skip that, but its forward does not use the registered
    /// parameter, so loading into it would not reach the module. The table is a small part of a model.</summary>
    public Embedding Embedding(long vocab, long dim) => nn.Embedding(vocab, dim, device: Device, dtype: Dtype);

    /// <summary>A norm weight of ones (the identity scale).</summary>
    public Parameter Ones(long size) => new(ones(size, Dtype, Device));
}
