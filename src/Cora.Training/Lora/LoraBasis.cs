using static TorchSharp.torch;

namespace Cora.Training.Lora;

/// <summary>
/// The CoRA basis for one projection of one layer: a float32 tensor (out, R) with orthonormal
/// columns, R ≥ r, largest singular direction first; its first r columns become <c>lora_B</c>.
/// The caller keeps ownership of the tensor (it may be a slice of a cached basis); the initialiser
/// copies what it needs.
/// </summary>
/// <param name="layer">Decoder layer index, from 0.</param>
/// <param name="projection">Projection name: q_proj, k_proj or v_proj (any target in general).</param>
public delegate Tensor LoraBasis(int layer, string projection);
