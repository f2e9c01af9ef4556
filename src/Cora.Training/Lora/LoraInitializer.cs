using System.Text;
using static TorchSharp.torch;

namespace Cora.Training.Lora;

/// <summary>
/// Initial values of one adapter for each <see cref="LoraMethod"/> (DESIGN.md §1). Random draws use
/// a CPU generator seeded per (seed, layer, projection), so an adapter's bytes depend only on the
/// seed and its place in the model — not on the device, the other targets or the method's other
/// draws (every method with a Kaiming A gets the same A for the same seed).
/// </summary>
public static class LoraInitializer
{
    /// <summary>
    /// Sets <paramref name="layer"/>'s A and B for <paramref name="method"/>; for PiSSA it also
    /// rewrites the base weight. <paramref name="basis"/> is required by cora-fb/tb and ignored
    /// otherwise. <paramref name="aInit"/> applies to the methods that take one
    /// (<see cref="AInits.TakesAInit"/>); zeros for any other method is refused.
    /// </summary>
    public static void Initialize(LoraLinear layer, LoraMethod method, long seed, int layerIndex, string projection, Tensor? basis = null,
        AInit aInit = AInit.Kaiming)
    {
        aInit.CheckFor(method);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var generator = new Generator(ModuleSeed(seed, layerIndex, projection));
        var place = $"layer {layerIndex} {projection}";
        // The A draw happens for every a-init, so that the generator's later draws (random-fb's B)
        // do not depend on the choice.
        switch (method)
        {
            case LoraMethod.Lora or LoraMethod.ZerosFb:
                KaimingUniform(layer.A, generator);
                layer.B.zero_();
                break;
            case LoraMethod.OnesFb:
                KaimingUniform(layer.A, generator);
                layer.B.fill_(1.0);
                break;
            case LoraMethod.RandomFb:
                KaimingUniform(layer.A, generator);
                layer.B.copy_(RandomOrthonormal(layer.OutFeatures, layer.Rank, generator, place));
                break;
            case LoraMethod.CoraFb or LoraMethod.CoraTb:
                KaimingUniform(layer.A, generator);
                layer.B.copy_(BasisPrefix(basis ?? throw new ArgumentNullException(nameof(basis), $"{method.Name()} needs a basis ({place})"),
                    layer, place));
                break;
            case LoraMethod.Pissa:
                Pissa(layer, place);
                break;
            case LoraMethod.MicaFb:
                layer.A.zero_();
                layer.B.copy_(SmallestLeftSingularVectors(layer, place));
                break;
            default:
                throw new ArgumentException($"{method.Name()} has no adapter to initialise", nameof(method));
        }
        if (aInit == AInit.Zeros) layer.A.zero_();
    }

    /// <summary>
    /// PyTorch's <c>kaiming_uniform_(w, a=√5)</c>, PEFT's init of <c>lora_A</c> and nn.Linear's
    /// default: U(−bound, bound) with bound = √3 · gain / √fan_in, gain = √(2 / (1 + a²)), which is
    /// 1/√fan_in; computed in the same order as torch, so the bound is bit-identical.
    /// </summary>
    public static void KaimingUniform(Tensor weight, Generator generator)
    {
        var fanIn = weight.shape[1];
        var a = Math.Sqrt(5.0);
        var gain = Math.Sqrt(2.0 / (1 + a * a));
        var bound = Math.Sqrt(3.0) * (gain / Math.Sqrt(fanIn));
        using var values = empty(weight.shape, weight.dtype).uniform_(-bound, bound, generator);
        weight.copy_(values);
    }

    /// <summary>
    /// (rows, r) with orthonormal columns: Q of the QR decomposition of a standard Gaussian, each
    /// column's sign fixed so that R's diagonal is positive (the Haar-distributed choice).
    /// </summary>
    public static Tensor RandomOrthonormal(long rows, int r, Generator generator, string place = "")
    {
        if (r > rows) throw new InvalidInputException($"{place}: random-fb needs r ≤ out ({r} > {rows})");
        using var scope = NewDisposeScope();
        var gaussian = randn([rows, r], float32, generator: generator);
        var (q, rr) = linalg.qr(gaussian);
        var signs = rr.diagonal().sign();
        signs = where(signs == 0, ones_like(signs), signs);
        return (q * signs.unsqueeze(0)).MoveToOuterDisposeScope();                   // (rows, r)
    }

    private static Tensor BasisPrefix(Tensor basis, LoraLinear layer, string place)
    {
        if (basis.dim() != 2 || basis.shape[0] != layer.OutFeatures || basis.shape[1] < layer.Rank)
            throw new InvalidInputException(
                $"{place}: basis has shape [{string.Join(", ", basis.shape)}], expected [{layer.OutFeatures}, R] with R ≥ r = {layer.Rank}");
        return basis[.., ..layer.Rank].to(layer.B.dtype, layer.B.device);
    }

    /// <summary>
    /// PEFT's <c>pissa_init</c>: W = U S Vh; S_r ← S[:r] / s; A = diag(√S_r) Vh[:r];
    /// B = U[:, :r] diag(√S_r); W ← W − s · B A (so base + adapter = W at the start).
    /// </summary>
    private static void Pissa(LoraLinear layer, string place)
    {
        var weight = layer.BaseLayer.weight!;
        CheckRank(layer, place, "pissa");
        var w = weight.to(float32);
        var (u, s, vh) = linalg.svd(w, fullMatrices: false);
        var r = layer.Rank;
        var root = (s[..r] / layer.Scaling).sqrt();                                  // (r)
        var a = root.unsqueeze(1) * vh[..r];                                         // (r, in)
        var b = u[.., ..r] * root.unsqueeze(0);                                      // (out, r)
        layer.A.copy_(a);
        layer.B.copy_(b);
        weight.copy_((w - layer.Scaling * b.matmul(a)).to(weight.dtype));
        layer.MutatedInit = (layer.A.detach().clone().MoveToOuterDisposeScope(), layer.B.detach().clone().MoveToOuterDisposeScope());
    }

    /// <summary>MiCA: the left singular vectors of the base weight's r smallest singular values.</summary>
    private static Tensor SmallestLeftSingularVectors(LoraLinear layer, string place)
    {
        CheckRank(layer, place, "mica-fb");
        var (u, _, _) = linalg.svd(layer.BaseLayer.weight!.to(float32), fullMatrices: false);
        var k = u.shape[1];
        return u[.., (int)(k - layer.Rank)..].to(layer.B.dtype);                     // (out, r)
    }

    private static void CheckRank(LoraLinear layer, string place, string method)
    {
        var k = Math.Min(layer.InFeatures, layer.OutFeatures);
        if (layer.Rank > k) throw new InvalidInputException($"{place}: {method} needs r ≤ min(out, in) ({layer.Rank} > {k})");
    }

    /// <summary>A seed for one module: SplitMix64's finaliser over the run seed and an FNV-1a hash of
    /// "layer.projection" — fully specified, so it can be reproduced outside .NET.</summary>
    public static ulong ModuleSeed(long seed, int layer, string projection)
    {
        unchecked
        {
            var hash = 14695981039346656037UL;
            foreach (var b in Encoding.UTF8.GetBytes($"{layer}.{projection}")) hash = (hash ^ b) * 1099511628211UL;
            var z = (ulong)seed + 0x9E3779B97F4A7C15UL * (hash | 1);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            // libtorch's CPU generator takes a 64-bit seed; keep it positive for readable logs.
            return (z ^ (z >> 31)) >> 1;
        }
    }
}
