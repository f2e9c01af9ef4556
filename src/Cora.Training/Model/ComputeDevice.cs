using TorchSharp;
using static TorchSharp.torch;

namespace Cora.Training.Model;

/// <summary>
/// Where a trial computes: <c>cpu</c> (float32) or <c>cuda</c> / <c>cuda:N</c> (bfloat16 base
/// weights; LoRA adapters stay float32). CUDA needs the CUDA build (<c>-p:TorchBackend=cuda</c>,
/// README "GPU builds"); asking for it elsewhere is an error, never a silent fall-back to CPU.
/// </summary>
public sealed record ComputeDevice(Device Device, ScalarType Dtype)
{
    public static readonly ComputeDevice Cpu = new(CPU, ScalarType.Float32);

    public static ComputeDevice Parse(string name)
    {
        if (name == "cpu") return Cpu;
        if (name == "cuda" || name.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new InvalidInputException($"device \"{name}\": CUDA is not available (no GPU, or Cora was built for CPU; see README \"GPU builds\")");
            var index = name == "cuda" ? 0 : int.TryParse(name[5..], out var i) && i >= 0 && i < cuda.device_count() ? i
                : throw new InvalidInputException($"device \"{name}\": there are {cuda.device_count()} CUDA devices (cuda:0 …)");
            return new ComputeDevice(new Device(DeviceType.CUDA, index), ScalarType.BFloat16);
        }
        throw new InvalidInputException($"device \"{name}\" is not cpu, cuda or cuda:N");
    }
}
