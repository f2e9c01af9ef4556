using System.Text.Json;
using System.Text.Json.Nodes;
using Cora.Training.Model;

namespace Cora.Training.Lora;

/// <summary>
/// LoRA hyper-parameters with PEFT's <c>LoraConfig</c> names (<c>r</c>, <c>lora_alpha</c>,
/// <c>lora_dropout</c>, <c>target_modules</c>, <c>use_rslora</c>, <c>bias</c>), saved as PEFT's
/// <c>adapter_config.json</c>. Immutable; <see cref="Validated"/> names the offending key.
/// </summary>
public sealed record LoraConfig
{
    /// <summary>Rank r: <c>lora_A</c> is (r, in), <c>lora_B</c> is (out, r).</summary>
    public int R { get; init; } = 8;
    /// <summary>PEFT's default is 8; scaling is alpha / r (alpha / √r with rsLoRA).</summary>
    public double LoraAlpha { get; init; } = 8;
    /// <summary>Dropout on the adapter's input only (the base path never drops).</summary>
    public double LoraDropout { get; init; }
    /// <summary>Projection names wrapped in every layer; CoRA's default is q/k/v.</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = DefaultTargets;
    /// <summary>rsLoRA: scaling alpha / √r instead of alpha / r.</summary>
    public bool UseRslora { get; init; }
    /// <summary>Only "none" (no bias training), as CoRA uses.</summary>
    public string Bias { get; init; } = "none";
    /// <summary>Written to the config so PEFT knows which base the adapter belongs to; may be null.</summary>
    public string? BaseModelNameOrPath { get; init; }

    public static IReadOnlyList<string> DefaultTargets { get; } = ["q_proj", "k_proj", "v_proj"];

    /// <summary>The factor s in ΔW = s · B A.</summary>
    public double Scaling => UseRslora ? LoraAlpha / Math.Sqrt(R) : LoraAlpha / R;

    public const string FileName = "adapter_config.json";

    public LoraConfig Validated(string source = "LoRA config")
    {
        void Check(bool ok, string key, object value, string rule)
        {
            if (!ok) throw new InvalidInputException($"{source}: {key} {rule} (got {value})");
        }
        Check(R > 0, "r", R, "must be positive");
        Check(LoraAlpha > 0 && double.IsFinite(LoraAlpha), "lora_alpha", LoraAlpha, "must be positive");
        Check(LoraDropout is >= 0 and < 1, "lora_dropout", LoraDropout, "must be in [0, 1)");
        Check(TargetModules.Count > 0, "target_modules", "[]", "must name at least one projection");
        var unknown = TargetModules.Where(t => !LlamaDecoderLayer.ProjectionNames.Contains(t)).ToList();
        Check(unknown.Count == 0, "target_modules", string.Join(", ", unknown),
            $"must be Llama projections ({string.Join(", ", LlamaDecoderLayer.ProjectionNames)})");
        Check(TargetModules.Distinct().Count() == TargetModules.Count, "target_modules", string.Join(", ", TargetModules), "must not repeat a name");
        Check(Bias == "none", "bias", Bias, "must be \"none\" (Cora trains no biases)");
        return this;
    }

    /// <summary>
    /// The <c>adapter_config.json</c> PEFT writes for these settings, keys sorted as PEFT sorts
    /// them. Only keys that every PEFT since 0.10 knows are written, because older PEFT versions
    /// reject unknown keys; <c>init_lora_weights</c> is <c>true</c> because PEFT rejects
    /// initialisation names it does not know, and a saved adapter needs no initialisation.
    /// </summary>
    public JsonObject ToPeftJson()
    {
        var json = new JsonObject
        {
            ["alpha_pattern"] = new JsonObject(),
            ["auto_mapping"] = null,
            ["base_model_name_or_path"] = BaseModelNameOrPath,
            ["bias"] = Bias,
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["layer_replication"] = null,
            ["layers_pattern"] = null,
            ["layers_to_transform"] = null,
            ["loftq_config"] = new JsonObject(),
            ["lora_alpha"] = LoraAlpha,
            ["lora_dropout"] = LoraDropout,
            ["megatron_config"] = null,
            ["megatron_core"] = "megatron.core",
            ["modules_to_save"] = null,
            ["peft_type"] = "LORA",
            ["r"] = R,
            ["rank_pattern"] = new JsonObject(),
            ["revision"] = null,
            ["target_modules"] = new JsonArray(TargetModules.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            ["task_type"] = "CAUSAL_LM",
            ["use_dora"] = false,
            ["use_rslora"] = UseRslora,
        };
        return json;
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public string ToPeftJsonText() => ToPeftJson().ToJsonString(Indented) + "\n";

    /// <summary>
    /// Reads a PEFT <c>adapter_config.json</c> that Cora may not have written. Keys Cora does not
    /// use are ignored; settings that would change what the weights mean and that Cora does not
    /// implement (DoRA, per-module ranks or alphas, bias training, extra saved modules, an
    /// initialisation that rewrote the base weights) are refused with the key named.
    /// </summary>
    public static LoraConfig FromPeftJson(JsonObject json, string source)
    {
        string? Text(string key) => json[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        bool Flag(string key) => json[key] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
        bool NonEmpty(string key) => json[key] is JsonObject o ? o.Count > 0 : json[key] is JsonArray a ? a.Count > 0 : json[key] is not null;
        void Refuse(bool bad, string message)
        {
            if (bad) throw new InvalidInputException($"{source}: {message}");
        }

        var peftType = Text("peft_type");
        Refuse(peftType != "LORA", $"peft_type \"{peftType ?? json["peft_type"]?.ToJsonString() ?? "(missing)"}\" is not a LoRA adapter (expected \"LORA\")");
        Refuse(Flag("use_dora"), "use_dora is true: DoRA adapters are not supported");
        Refuse(Flag("fan_in_fan_out"), "fan_in_fan_out is true: Llama projections are not Conv1D");
        Refuse(NonEmpty("rank_pattern"), "rank_pattern is not supported (one rank for every module)");
        Refuse(NonEmpty("alpha_pattern"), "alpha_pattern is not supported (one lora_alpha for every module)");
        Refuse(NonEmpty("modules_to_save"), "modules_to_save is not supported (the adapter must hold LoRA weights only)");
        Refuse(NonEmpty("layer_replication"), "layer_replication is not supported");
        var init = Text("init_lora_weights");
        Refuse(init is not null && MutatesBase(init),
            $"init_lora_weights \"{init}\" means the adapter belongs to a base whose weights that initialisation rewrote; " +
            "save it in PEFT's converted form (path_initial_model_for_weight_conversion) to use it with the original base");

        var targets = json["target_modules"] switch
        {
            JsonArray array => array.Select(n => n?.GetValue<string>() ?? "").ToArray(),
            JsonValue value when value.TryGetValue<string>(out var one) => [one],
            _ => throw new InvalidInputException($"{source}: target_modules must be a list of projection names"),
        };
        try
        {
            return new LoraConfig
            {
                R = json["r"]?.GetValue<int>() ?? throw new InvalidInputException($"{source}: r is missing"),
                LoraAlpha = json["lora_alpha"]?.GetValue<double>() ?? 8,
                LoraDropout = json["lora_dropout"]?.GetValue<double>() ?? 0,
                TargetModules = targets,
                UseRslora = Flag("use_rslora"),
                Bias = Text("bias") ?? "none",
                BaseModelNameOrPath = Text("base_model_name_or_path"),
            }.Validated(source);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new InvalidInputException($"{source}: r, lora_alpha and lora_dropout must be numbers ({e.Message})", e);
        }
    }

    /// <summary>PEFT initialisations that rewrite the base weight (W ← W − s·B₀A₀) or quantise it.</summary>
    private static bool MutatesBase(string init) =>
        init.StartsWith("pissa", StringComparison.OrdinalIgnoreCase) || init.StartsWith("corda", StringComparison.OrdinalIgnoreCase)
        || init.Equals("olora", StringComparison.OrdinalIgnoreCase) || init.Equals("loftq", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads <c>adapter_config.json</c> from <paramref name="directory"/>.</summary>
    public static LoraConfig Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new InvalidInputException($"{path}: no such file (a PEFT adapter needs {FileName})");
        try
        {
            return FromPeftJson(JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidInputException($"{path}: not a JSON object"), path);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"{path}: not valid JSON ({e.Message})", e);
        }
    }
}
