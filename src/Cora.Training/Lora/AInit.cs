namespace Cora.Training.Lora;

/// <summary>
/// How <c>lora_A</c> starts for a method whose <c>lora_B</c> starts non-zero (cora-fb, cora-tb,
/// ones-fb, random-fb). The paper keeps LoRA's Kaiming-uniform A, so the model starts at
/// W + s·B·A₀ instead of W: with B's columns orthonormal, ‖B·A₀‖_F = ‖A₀‖_F, and a Kaiming-uniform
/// A₀ (bound 1/√in) has E‖A₀‖²_F = r/3, so ‖s·B·A₀‖_F ≈ s·√(r/3) whatever the projection's shape —
/// small beside a 13B model's ‖W‖, not beside a tiny one's. <c>zeros</c> starts A at 0, so the
/// model starts exactly at the base (as LoRA does); A's gradient, through the non-zero B, is what
/// moves it in the first step (B's own gradient is 0 until A is not).
/// </summary>
public enum AInit
{
    /// <summary><c>kaiming</c>: PEFT's <c>kaiming_uniform_(a=√5)</c>, the paper's choice and the default.</summary>
    Kaiming,
    /// <summary><c>zeros</c>: A = 0, the adapter adds nothing before the first step.</summary>
    Zeros,
}

/// <summary>Names of <see cref="AInit"/> and which methods take one.</summary>
public static class AInits
{
    public static IReadOnlyList<string> Names { get; } = ["kaiming", "zeros"];

    public static AInit Parse(string name) => name switch
    {
        "kaiming" => AInit.Kaiming,
        "zeros" => AInit.Zeros,
        _ => throw new InvalidInputException($"unknown a-init \"{name}\" (expected one of {string.Join(", ", Names)})"),
    };

    public static string Name(this AInit init) => init == AInit.Zeros ? "zeros" : "kaiming";

    /// <summary>
    /// Whether <paramref name="method"/> has a choice of A init: it draws A Kaiming-uniform and
    /// starts B non-zero. LoRA and zeros-fb start B at 0 (A = 0 too would leave both without a
    /// gradient), PiSSA and MiCA set A themselves, full-ft has no adapter.
    /// </summary>
    public static bool TakesAInit(this LoraMethod method) =>
        method is LoraMethod.CoraFb or LoraMethod.CoraTb or LoraMethod.OnesFb or LoraMethod.RandomFb;

    /// <summary>Refuses an A init other than Kaiming for a method that has no such choice.</summary>
    public static void CheckFor(this AInit init, LoraMethod method)
    {
        if (init != AInit.Kaiming && !method.TakesAInit())
            throw new InvalidInputException(
                $"a-init {init.Name()} is not a choice for {method.Name()} (only cora-fb, cora-tb, ones-fb and random-fb start B non-zero; the others keep kaiming)");
    }
}
