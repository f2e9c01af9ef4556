using System.Globalization;
using System.Text.RegularExpressions;
using Cora.Training;

namespace Cora.Actors.Trainer;

/// <summary>
/// The CUDA devices a node's trainer slots share, as the node's children must name them in
/// <c>CUDA_VISIBLE_DEVICES</c>: slot <c>i</c> gets <c>Ids[i % Count]</c>.
/// </summary>
/// <remarks>
/// A node started with <c>CUDA_VISIBLE_DEVICES=2,3</c> sees two GPUs, numbered 0 and 1 inside its
/// own process; a child that is handed <c>CUDA_VISIBLE_DEVICES=0</c> would see the host's GPU 0,
/// which the node was never given. So a child gets the inherited entry itself (<c>2</c>, or a
/// <c>GPU-…</c>/<c>MIG-…</c> id), kept verbatim as a string.
/// </remarks>
public sealed partial class CudaDevices
{
    private CudaDevices(IReadOnlyList<string> ids) => Ids = ids;

    /// <summary>The device ids, in the order of the inherited list; empty: no GPU.</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>The name of the variable, used in the errors too.</summary>
    public const string Variable = "CUDA_VISIBLE_DEVICES";

    /// <summary>A node without GPUs.</summary>
    public static CudaDevices None { get; } = new([]);

    /// <summary>How many GPUs the slots share.</summary>
    public int Count => Ids.Count;

    /// <summary>The device slot <paramref name="slot"/> runs on, as its child's <c>CUDA_VISIBLE_DEVICES</c>;
    /// null on a node without GPUs.</summary>
    public string? ForSlot(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        return Count == 0 ? null : Ids[slot % Count];
    }

    /// <summary>
    /// The devices of a node that found <paramref name="gpus"/> CUDA devices while it inherited
    /// <paramref name="inherited"/> as <c>CUDA_VISIBLE_DEVICES</c> (null: unset).
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>Unset: the node owns devices <c>0 … gpus-1</c>.</item>
    /// <item><paramref name="gpus"/> = 0 (a CPU build, or no GPU at all): no devices, whatever the
    /// variable says — a CPU node never uses it, and <c>-1</c> or <c>""</c> to hide every GPU are
    /// common settings, not mistakes.</item>
    /// <item>Otherwise the variable must be a comma-separated list of device indices
    /// (<c>2,3</c>) or ids (<c>GPU-8d1e…</c>, <c>MIG-…</c>), without empty entries or repeats, and
    /// must name exactly <paramref name="gpus"/> devices. A different count is refused rather than
    /// guessed around: CUDA stops at the first entry it cannot resolve (<c>0,1,7</c> on a
    /// four-GPU host shows two devices), so a list longer than what CUDA found names a device that
    /// does not exist, and a slot mapped onto it would fail every trial it pulls.</item>
    /// </list>
    /// </remarks>
    /// <exception cref="InvalidInputException">The variable is malformed or disagrees with
    /// <paramref name="gpus"/>; the message names <c>CUDA_VISIBLE_DEVICES</c>.</exception>
    public static CudaDevices FromInherited(string? inherited, int gpus)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(gpus);
        if (gpus == 0) return None;
        if (inherited is null)
            return new(Enumerable.Range(0, gpus).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray());
        var ids = inherited.Trim().Length == 0 ? [] : inherited.Split(',').Select(entry => Entry(entry, inherited)).ToArray();
        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Length)
            throw new InvalidInputException($"{Variable}: \"{inherited}\" names a device twice");
        if (ids.Length != gpus)
            throw new InvalidInputException(
                $"{Variable}: \"{inherited}\" names {ids.Length} device(s) but CUDA found {gpus}; " +
                $"an entry CUDA cannot resolve hides it and every entry after it — set {Variable} to the devices this node may use");
        return new(ids);
    }

    private static string Entry(string entry, string inherited)
    {
        var id = entry.Trim();
        if (id.Length == 0) throw new InvalidInputException($"{Variable}: \"{inherited}\" has an empty entry");
        if (!DeviceId().IsMatch(id))
            throw new InvalidInputException($"{Variable}: \"{id}\" in \"{inherited}\" is neither a device index nor a GPU-/MIG- id");
        return id;
    }

    /// <summary>What CUDA accepts as one entry: an index, or a device UUID (<c>GPU-</c>) or MIG
    /// instance (<c>MIG-</c>, old style with slashes too).</summary>
    [GeneratedRegex(@"^(\d+|(GPU|MIG)-[0-9A-Za-z][0-9A-Za-z\-/]*)$")]
    private static partial Regex DeviceId();
}
