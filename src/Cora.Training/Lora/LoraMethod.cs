namespace Cora.Training.Lora;

/// <summary>
/// One value of a grid's <c>method</c> axis (DESIGN.md §1, the methods table): how <c>lora_B</c>
/// starts, whether it trains, and whether the method needs a basis from source models.
/// </summary>
public enum LoraMethod
{
    /// <summary><c>lora</c>: A Kaiming-uniform, B = 0, both train.</summary>
    Lora,
    /// <summary><c>cora-fb</c>: B = the CoRA basis, frozen; only A trains.</summary>
    CoraFb,
    /// <summary><c>cora-tb</c>: B = the CoRA basis, trainable.</summary>
    CoraTb,
    /// <summary><c>zeros-fb</c>: B = 0, frozen (ablation; the model's outputs never change).</summary>
    ZerosFb,
    /// <summary><c>ones-fb</c>: B = 1, frozen (ablation).</summary>
    OnesFb,
    /// <summary><c>random-fb</c>: B = random orthonormal columns, frozen (ablation).</summary>
    RandomFb,
    /// <summary><c>full-ft</c>: no adapter; every weight trains.</summary>
    FullFt,
    /// <summary><c>pissa</c>: A, B from the base weight's top-r singular triplets, base reduced (PEFT <c>pissa</c>).</summary>
    Pissa,
    /// <summary><c>mica-fb</c>: B = the base weight's smallest-r left singular vectors, frozen; A = 0 (PEFT <c>mica</c>).</summary>
    MicaFb,
}

/// <summary>Names and properties of <see cref="LoraMethod"/>.</summary>
public static class LoraMethods
{
    private static readonly (LoraMethod Method, string Name)[] Table =
    [
        (LoraMethod.Lora, "lora"),
        (LoraMethod.CoraFb, "cora-fb"),
        (LoraMethod.CoraTb, "cora-tb"),
        (LoraMethod.ZerosFb, "zeros-fb"),
        (LoraMethod.OnesFb, "ones-fb"),
        (LoraMethod.RandomFb, "random-fb"),
        (LoraMethod.FullFt, "full-ft"),
        (LoraMethod.Pissa, "pissa"),
        (LoraMethod.MicaFb, "mica-fb"),
    ];

    /// <summary>Every method name, in the order of DESIGN.md's table.</summary>
    public static IReadOnlyList<string> Names { get; } = Table.Select(t => t.Name).ToArray();

    /// <summary>The method called <paramref name="name"/> (exact, lower case).</summary>
    /// <exception cref="InvalidInputException">Unknown name; the message lists the valid ones.</exception>
    public static LoraMethod Parse(string name) =>
        Table.FirstOrDefault(t => t.Name == name) is { Name: not null } hit
            ? hit.Method
            : throw new InvalidInputException($"unknown method \"{name}\" (expected one of {string.Join(", ", Names)})");

    /// <summary>The grid name of <paramref name="method"/> (<c>cora-fb</c>, …).</summary>
    public static string Name(this LoraMethod method) => Table.First(t => t.Method == method).Name;

    /// <summary>Whether the method needs a CoRA basis (extracted from source models).</summary>
    public static bool NeedsBasis(this LoraMethod method) => method is LoraMethod.CoraFb or LoraMethod.CoraTb;

    /// <summary>Whether <c>lora_B</c> stays frozen during training (the "-fb" methods).</summary>
    public static bool FreezesB(this LoraMethod method) =>
        method is LoraMethod.CoraFb or LoraMethod.ZerosFb or LoraMethod.OnesFb or LoraMethod.RandomFb or LoraMethod.MicaFb;

    /// <summary>Whether the method adds LoRA adapters at all (every method but <c>full-ft</c>).</summary>
    public static bool UsesAdapters(this LoraMethod method) => method != LoraMethod.FullFt;

    /// <summary>Whether the method is one of the paper's B ablations (zeros-fb, ones-fb, random-fb),
    /// which grids run at their own ranks.</summary>
    public static bool IsAblation(this LoraMethod method) =>
        method is LoraMethod.ZerosFb or LoraMethod.OnesFb or LoraMethod.RandomFb;
}
