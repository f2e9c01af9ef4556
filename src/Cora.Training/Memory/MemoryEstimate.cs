using Cora.Training.Lora;
using Cora.Training.Model;

namespace Cora.Training.Memory;

/// <summary>
/// The memory one training step needs at its peak — the start of the backward pass of a step
/// after the first, when the weights, their gradients and the optimizer's moments exist and every
/// activation of the forward pass is still held, or the optimizer step where that needs more
/// (<see cref="OptimizerStep"/>) — by component, in bytes. Derived from what
/// Cora's model code allocates and what autograd keeps for it (<see cref="LlamaForCausalLM"/>,
/// <see cref="LoraLinear"/>, <see cref="RmsNorm"/>), not from a rule of thumb.
/// </summary>
/// <remarks>
/// Notation: N = batch × sequence tokens, T the sequence, D hidden, Hd = heads × head_dim, KVd =
/// kv_heads × head_dim, I intermediate, V vocab, L layers, r rank, <c>a</c> the bytes of an
/// activation element (4 in float32 on cpu, 2 in bfloat16 on cuda), 4 for float32.
/// Autograd keeps an op's input only when a gradient needs it: a frozen linear keeps nothing of
/// its input (its input gradient needs only the weight), a trainable one keeps its input.
/// Left out, as small against these: rotary tables, the boolean masks shared by all layers, the
/// per-row statistics of the norms, libtorch's workspaces and the allocator's slack (what the
/// bench's measured / estimated ratio shows).
/// </remarks>
public sealed record MemoryEstimate
{
    private const long Float32 = 4;

    /// <summary>Every base parameter in the base dtype: embeddings V·D, per layer q/k/v/o
    /// (D·Hd + 2·D·KVd + Hd·D, plus biases), gate/up/down (3·D·I, plus biases) and two norms (2·D),
    /// the final norm D, and lm_head V·D unless tied.</summary>
    public required long BaseWeights { get; init; }

    /// <summary>Adapters in float32: r·(in + out) per targeted projection per layer.</summary>
    public required long AdapterWeights { get; init; }

    /// <summary>One gradient per trainable parameter, in the parameter's dtype: lora_A (r·in), and
    /// lora_B (r·out) unless B is frozen; every base weight for full-ft.</summary>
    public required long Gradients { get; init; }

    /// <summary>AdamW's two moments per trainable parameter, float32 (8 bytes each).</summary>
    public required long OptimizerState { get; init; }

    /// <summary>Full fine-tuning in bfloat16 keeps a float32 master copy of every weight for the
    /// optimizer to update (4 bytes per parameter; <see cref="FineTuning.MasterWeights"/>); 0
    /// otherwise. At the optimizer step the masters' float32 gradients (4 bytes) replace the
    /// bfloat16 ones (2) while no activation is held, a moment below this peak unless the
    /// activations and logits are smaller than 2 bytes per parameter.</summary>
    public required long MasterWeights { get; init; }

    /// <summary>What the forward pass keeps for the backward pass, without the logits; see
    /// <see cref="LayerActivations"/> and <see cref="For"/>.</summary>
    public required long Activations { get; init; }

    /// <summary>The loss's share, N·V·(a + 3·4): the logits (a) stay alive through the backward
    /// pass, cross-entropy keeps its float32 log-probabilities, and its backward pass holds the
    /// gradients of those and of its input at once (float32 each).</summary>
    public required long Logits { get; init; }

    /// <summary>What the optimizer step needs beyond the backward pass's peak, 0 where it needs less.
    /// TorchSharp's AdamW computes each parameter's denominator into two float32 temporaries
    /// (<c>sqrt</c>, then the bias-corrected quotient) that its step's dispose scope keeps until every
    /// parameter is updated: 8 bytes per trainable parameter, plus, with fp32 master weights, the
    /// 4 − a bytes by which their float32 gradients outgrow the model's. The activations and logits
    /// are freed by then, so only what exceeds them counts. It shows where the parameters train and
    /// the activations are small: full-ft with gradient checkpointing (bench/memory, D512).</summary>
    public required long OptimizerStep { get; init; }

    /// <summary>One decoder layer's activations, as a layer that is not the first keeps them.</summary>
    public required long LayerActivations { get; init; }

    /// <summary>Trainable parameters (what PEFT's get_nb_trainable_parameters reports).</summary>
    public required long TrainableParameters { get; init; }

    /// <summary>All parameters, base and adapters.</summary>
    public required long TotalParameters { get; init; }

    public long Total => BaseWeights + AdapterWeights + Gradients + OptimizerState + MasterWeights + Activations + Logits + OptimizerStep;

    /// <summary>The components in print order, named as a table shows them.</summary>
    public IReadOnlyList<(string Name, long Bytes)> Components =>
    [
        ("base weights", BaseWeights),
        ("adapter weights", AdapterWeights),
        ("gradients", Gradients),
        ("optimizer state (AdamW)", OptimizerState),
        ("fp32 master weights", MasterWeights),
        ("activations", Activations),
        ("logits and loss", Logits),
        ("optimizer step (beyond)", OptimizerStep),
    ];

    /// <summary>
    /// The estimate for <paramref name="setup"/>. Activations, without checkpointing: the sum over
    /// the layers of <see cref="LayerActivations"/>, except that with adapters the first layer's
    /// input norm keeps nothing (nothing before it needs a gradient), plus the final norm
    /// (4·N·D + 4·N, + a·N·D when its weight trains) and, for full-ft, lm_head's input a·N·D.
    /// With gradient checkpointing: each layer's input a·N·D (L of them), one layer's full
    /// activations (recomputed in its backward pass), the final norm and lm_head's input.
    /// </summary>
    public static MemoryEstimate For(TrainingSetup setup)
    {
        var model = setup.Model;
        var adapters = setup.Method.UsesAdapters();
        var targets = adapters ? setup.Targets : [];
        long a = setup.Bfloat16 ? 2 : Float32;
        long d = model.HiddenSize, hd = (long)model.NumAttentionHeads * model.HeadDim, kvd = (long)model.NumKeyValueHeads * model.HeadDim;
        long intermediate = model.IntermediateSize, layers = model.NumHiddenLayers, vocab = model.VocabSize;
        long n = (long)setup.BatchSize * setup.SequenceLength;

        var shapes = ProjectionShapes(model);
        long basePerLayer = shapes.Values.Sum(s => s.In * s.Out)
            + (model.AttentionBias ? hd + 2 * kvd + d : 0) + (model.MlpBias ? 2 * intermediate + d : 0) + 2 * d;
        var baseParameters = vocab * d + layers * basePerLayer + d + (model.TieWordEmbeddings ? 0 : vocab * d);
        long adapterParameters = 0, trainableAdapter = 0;
        foreach (var target in targets)
        {
            var (input, output) = shapes[target];
            adapterParameters += layers * setup.Rank * (input + output);
            trainableAdapter += layers * setup.Rank * (input + (setup.Method.FreezesB() ? 0 : output));
        }
        var trainable = adapters ? trainableAdapter : baseParameters;

        var layer = new LayerActivationsOf(setup, a, n);
        var perLayer = layer.Total(firstLayer: false);
        var finalNorm = layer.Norm(keepsInput: true) + (adapters ? 0 : a * n * d);
        var activations = setup.GradientCheckpointing
            ? layers * a * n * d + perLayer + finalNorm
            : layer.Total(firstLayer: true) + (layers - 1) * perLayer + finalNorm;

        var logits = n * vocab * (a + 3 * Float32);
        var masters = !adapters && setup.Bfloat16;
        var step = trainable * 2 * Float32 + (masters ? trainable * (Float32 - a) : 0);

        return new MemoryEstimate
        {
            BaseWeights = baseParameters * a,
            AdapterWeights = adapterParameters * Float32,
            Gradients = trainable * (adapters ? Float32 : a),
            OptimizerState = trainable * 2 * Float32,
            MasterWeights = masters ? trainable * Float32 : 0,
            Activations = activations,
            Logits = logits,
            OptimizerStep = Math.Max(0, step - activations - logits),
            LayerActivations = perLayer,
            TrainableParameters = trainable,
            TotalParameters = baseParameters + adapterParameters,
        };
    }

    /// <summary>(in, out) of every projection of a layer, by name.</summary>
    private static Dictionary<string, (long In, long Out)> ProjectionShapes(LlamaConfig model)
    {
        long d = model.HiddenSize, hd = (long)model.NumAttentionHeads * model.HeadDim, kvd = (long)model.NumKeyValueHeads * model.HeadDim;
        return new Dictionary<string, (long, long)>
        {
            ["q_proj"] = (d, hd), ["k_proj"] = (d, kvd), ["v_proj"] = (d, kvd), ["o_proj"] = (hd, d),
            ["gate_proj"] = (d, model.IntermediateSize), ["up_proj"] = (d, model.IntermediateSize), ["down_proj"] = (model.IntermediateSize, d),
        };
    }

    /// <summary>
    /// One decoder layer's activations (<see cref="LlamaDecoderLayer.Forward"/>):
    /// <list type="bullet">
    /// <item>Each RmsNorm: its input as float32 (4·N·D, kept by <c>pow</c> and the multiply by
    /// <c>rsqrt</c>), that <c>rsqrt</c> (4·N), and, when its weight trains (full-ft), the
    /// normalised input the weight multiplies (a·N·D).</item>
    /// <item>The inputs of the linears (<see cref="LinearInputs"/>), once per input that projections
    /// share: q/k/v read N·D, o_proj N·Hd, gate/up N·D, down N·I.</item>
    /// <item>Attention: q, k, v after rotary as scaled_dot_product_attention keeps them
    /// (a·N·(Hd + 2·KVd); k and v are repeated to Hd each under grouped-query attention), its output
    /// a·N·Hd and float32 log-sum-exp 4·B·H·T, and the boolean mask turned into an additive one in
    /// the activation dtype, a·B·T·T. No B·H·T·T score matrix: with a mask, libtorch runs the fused
    /// kernels (flash attention on the CPU, memory-efficient attention on CUDA), which recompute
    /// the scores in the backward pass. The unfused math kernel would add about 2·a·B·H·T·T.</item>
    /// <item>MLP: silu's input, silu's output and up's output, 3·a·N·I (the product's gradients
    /// need all three, even with every MLP weight frozen, because gradients flow through to the
    /// adapters of earlier layers).</item>
    /// </list>
    /// </summary>
    private sealed class LayerActivationsOf(TrainingSetup setup, long a, long n)
    {
        private readonly bool _adapters = setup.Method.UsesAdapters();

        public long Norm(bool keepsInput) => keepsInput ? Float32 * n * setup.Model.HiddenSize + Float32 * n + (_adapters ? 0 : a * n * setup.Model.HiddenSize) : 0;

        public long Total(bool firstLayer)
        {
            var model = setup.Model;
            long d = model.HiddenSize, hd = (long)model.NumAttentionHeads * model.HeadDim, kvd = (long)model.NumKeyValueHeads * model.HeadDim;
            long i = model.IntermediateSize, t = setup.SequenceLength, b = setup.BatchSize;
            var kvKept = model.IsGroupedQuery ? hd : kvd;
            var norms = Norm(keepsInput: !(_adapters && firstLayer)) + Norm(keepsInput: true);
            var linears = LinearInputs(["q_proj", "k_proj", "v_proj"], d) + LinearInputs(["o_proj"], hd)
                + LinearInputs(["gate_proj", "up_proj"], d) + LinearInputs(["down_proj"], i);
            var attention = a * n * (hd + 2 * kvKept) + a * n * hd + Float32 * b * model.NumAttentionHeads * t + a * b * t * t;
            var mlp = 3 * a * n * i;
            return norms + linears + attention + mlp;
        }

        /// <summary>
        /// What the projections <paramref name="sharing"/> one input of <paramref name="width"/>
        /// keep of it. Full-ft: the input once (a·N·width; each trainable weight's gradient needs
        /// it). Adapters, per targeted projection: lora_A's float32 input — with dropout its own
        /// dropped copy and the dropout mask, (4 + m)·N·width, m = 1 on cuda (the fused kernel keeps
        /// a boolean mask) and 4 on cpu (libtorch's unfused dropout multiplies by a float32 noise
        /// tensor and keeps it); without, on cpu the shared input once, on cuda its own float32
        /// cast, 4·N·width — and x·A, 4·N·r, when lora_B trains. Untargeted frozen projections keep
        /// nothing.
        /// </summary>
        private long LinearInputs(string[] sharing, long width)
        {
            if (!_adapters) return a * n * width;
            var targeted = sharing.Count(setup.Targets.Contains);
            if (targeted == 0) return 0;
            var mask = setup.Bfloat16 ? 1 : Float32;
            var inputs = setup.LoraDropout > 0 ? targeted * (Float32 + mask) * n * width
                : setup.Bfloat16 ? targeted * Float32 * n * width
                : a * n * width;
            var projected = setup.Method.FreezesB() ? 0 : targeted * Float32 * n * setup.Rank;
            return inputs + projected;
        }
    }
}
