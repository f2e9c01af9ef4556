using TorchSharp;
using static TorchSharp.torch;

namespace Cora.Training.Model;

/// <summary>
/// Re-registers a module's swappable children after one of their fields changed. TorchSharp keeps
/// children in registration order and refuses to register a name twice, so every slot is removed
/// and added again in its original order: parameter order (and so optimizer and checkpoint order)
/// stays the same whatever was swapped.
/// </summary>
internal static class SubmoduleSlots
{
    public static void Reregister(nn.Module owner, IReadOnlyList<string> names, Func<string, nn.Module<Tensor, Tensor>> current)
    {
        // A null module unregisters the name (TorchSharp's documented behaviour of register_module).
        foreach (var name in names) owner.register_module(name, null!);
        foreach (var name in names) owner.register_module(name, current(name));
    }
}
