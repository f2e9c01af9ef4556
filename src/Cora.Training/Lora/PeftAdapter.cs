using System.Text.RegularExpressions;
using Cora.Training.Checkpoints;
using Cora.Training.IO;
using Cora.Training.Model;
using static TorchSharp.torch;

namespace Cora.Training.Lora;

/// <summary>
/// Saves and loads LoRA adapters in PEFT's layout, so that <c>PeftModel.from_pretrained</c> loads
/// what Cora trains and Cora loads what PEFT trained: <c>adapter_config.json</c> plus
/// <c>adapter_model.safetensors</c> (metadata <c>{"format": "pt"}</c>) with tensors named
/// <c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c>.
/// </summary>
public static partial class PeftAdapter
{
    public const string WeightsFileName = "adapter_model.safetensors";
    private const string Prefix = "base_model.model.";

    private static readonly Dictionary<string, string> Metadata = new() { ["format"] = "pt" };

    /// <summary>
    /// Writes the adapters of <paramref name="model"/> to <paramref name="directory"/>. The config
    /// lists the projections that carry adapters. A PiSSA adapter is written in the converted form
    /// PEFT uses for the unmodified base (<c>path_initial_model_for_weight_conversion</c>):
    /// A' = [A; A₀], B' = [B, −B₀], r and lora_alpha doubled (alpha × √2 with rsLoRA, which keeps
    /// the scaling), so that W + s·B'A' = W_res + s·BA. Both files are written atomically, the
    /// config last: a directory with a config has complete weights.
    /// </summary>
    public static void Save(LlamaForCausalLM model, LoraConfig config, string directory)
    {
        config.Validated();
        var sites = LoraInjector.Adapters(model);
        if (sites.Count == 0) throw new InvalidOperationException("the model has no LoRA adapters to save (full-ft saves a checkpoint)");
        foreach (var site in sites)
            if (site.Module.Rank != config.R || Math.Abs(site.Module.Scaling - config.Scaling) > 1e-12 * config.Scaling)
                throw new ArgumentException($"{site.Path} has rank {site.Module.Rank} and scaling {site.Module.Scaling}; the config says r = {config.R}, scaling {config.Scaling}", nameof(config));
        var converted = sites.Count(s => s.Module.MutatedInit is not null);
        if (converted != 0 && converted != sites.Count)
            throw new InvalidOperationException("only some adapters have a PiSSA initialisation; cannot convert the others");

        using var scope = NewDisposeScope();
        var tensors = new List<(string, Tensor)>();
        foreach (var site in sites)
        {
            Tensor a = site.Module.A.detach(), b = site.Module.B.detach();
            if (site.Module.MutatedInit is { } init)
            {
                a = cat([a, init.A], 0);                                             // (2r, in)
                b = cat([b, -init.B], 1);                                            // (out, 2r)
            }
            tensors.Add(($"{Prefix}{site.Path}.lora_A.weight", a));
            tensors.Add(($"{Prefix}{site.Path}.lora_B.weight", b));
        }
        var saved = config with { TargetModules = LlamaDecoderLayer.ProjectionNames.Where(p => sites.Any(s => s.Projection == p)).ToArray() };
        if (converted > 0)
            saved = saved with { R = 2 * config.R, LoraAlpha = config.UseRslora ? config.LoraAlpha * Math.Sqrt(2) : 2 * config.LoraAlpha };

        Directory.CreateDirectory(directory);
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFileName), tensors, Metadata);
        AtomicFile.WriteAllText(Path.Combine(directory, LoraConfig.FileName), saved.ToPeftJsonText());
    }

    [GeneratedRegex(@"^base_model\.model\.model\.layers\.(?<layer>\d+)\.(?<section>self_attn|mlp)\.(?<proj>[A-Za-z0-9_]+)\.(?<ab>lora_A|lora_B)(\.(?<adapter>[^.]+))?\.weight$")]
    private static partial Regex AdapterTensor();

    /// <summary>A base checkpoint, with a PEFT adapter applied when <paramref name="adapterDirectory"/> is given.</summary>
    public static LlamaForCausalLM LoadModel(string baseDirectory, string? adapterDirectory)
    {
        var model = LlamaCheckpoint.Load(baseDirectory);
        if (adapterDirectory is not null) Load(adapterDirectory, model);
        return model;
    }

    /// <summary>
    /// Adds the adapter in <paramref name="directory"/> to <paramref name="model"/> (an unadapted
    /// base). Accepts adapters Cora did not write: tensor names with or without PEFT's adapter name
    /// (<c>lora_A.default.weight</c>), adapters on any subset of the config's target modules and
    /// layers. Everything is checked before the model is touched; errors name the file and tensor.
    /// The model's base weights are frozen; the adapters are trainable only when
    /// <paramref name="trainable"/> is set.
    /// </summary>
    /// <exception cref="InvalidInputException">Missing files, a config that is not plain LoRA, unknown
    /// target modules, unexpected or missing tensors, wrong shapes.</exception>
    public static LoraConfig Load(string directory, LlamaForCausalLM model, bool trainable = false)
    {
        if (!Directory.Exists(directory)) throw new InvalidInputException($"{directory}: no such adapter directory");
        var config = LoraConfig.Load(directory);
        var path = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(path) && File.Exists(Path.Combine(directory, "adapter_model.bin")))
            throw new InvalidInputException($"{directory}: adapter_model.bin (a pickle) is not supported; save the adapter with safe_serialization=True");
        using var file = SafetensorsFile.Open(path);

        var pairs = Plan(file, config, model);
        if (LoraInjector.Adapters(model).Count > 0) throw new InvalidOperationException("the model already has LoRA adapters");
        foreach (var p in model.parameters()) p.requires_grad = false;
        var layers = model.Model.Layers;
        using (no_grad())
        {
            foreach (var ((layer, proj), (aName, bName)) in pairs)
            {
                var adapter = LoraInjector.Wrap(model, layers[layer], proj, config);
                using var a = file.Load(aName, adapter.A.dtype);
                using var b = file.Load(bName, adapter.B.dtype);
                adapter.A.copy_(a);
                adapter.B.copy_(b);
                adapter.A.requires_grad = trainable;
                adapter.B.requires_grad = trainable;
            }
        }
        return config;
    }

    /// <summary>Which (layer, projection) gets which A and B tensor; throws on anything wrong.</summary>
    private static SortedDictionary<(int Layer, string Projection), (string A, string B)> Plan(SafetensorsFile file, LoraConfig config, LlamaForCausalLM model)
    {
        var found = new SortedDictionary<(int, string), (string? A, string? B)>();
        var adapterNames = new HashSet<string>();
        var layerCount = model.Config.NumHiddenLayers;
        foreach (var entry in file.Tensors)
        {
            var m = AdapterTensor().Match(entry.Name);
            if (!m.Success)
                throw new InvalidInputException($"{file.Path}: unexpected tensor {entry.Name} (a LoRA adapter for a Llama model holds " +
                    $"{Prefix}model.layers.N.self_attn|mlp.PROJ.lora_A|lora_B.weight only)");
            var proj = m.Groups["proj"].Value;
            var known = LlamaDecoderLayer.ProjectionNames.Contains(proj);
            if (!known || LlamaDecoderLayer.ProjectionPath(proj) != $"{m.Groups["section"].Value}.{proj}")
                throw new InvalidInputException($"{file.Path}: tensor {entry.Name} targets unknown module {m.Groups["section"].Value}.{proj} " +
                    $"(Llama projections: {string.Join(", ", LlamaDecoderLayer.ProjectionNames)})");
            if (!config.TargetModules.Contains(proj))
                throw new InvalidInputException($"{file.Path}: tensor {entry.Name} targets {proj}, which is not in target_modules [{string.Join(", ", config.TargetModules)}]");
            var layer = int.Parse(m.Groups["layer"].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (layer >= layerCount)
                throw new InvalidInputException($"{file.Path}: tensor {entry.Name} is for layer {layer}; the model has {layerCount} layers");
            if (m.Groups["adapter"].Success) adapterNames.Add(m.Groups["adapter"].Value);

            var weight = model.Model.Layers[layer].Projection(proj) switch
            {
                TorchSharp.Modules.Linear linear => linear.weight!,
                _ => throw new InvalidOperationException($"model.layers.{layer}.{proj} is already wrapped; load adapters into a plain base model"),
            };
            var isA = m.Groups["ab"].Value == "lora_A";
            long[] expected = isA ? [config.R, weight.shape[1]] : [weight.shape[0], config.R];
            if (!entry.Shape.SequenceEqual(expected))
                throw new InvalidInputException($"{file.Path}: tensor {entry.Name} has shape [{string.Join(", ", entry.Shape)}], " +
                    $"expected [{string.Join(", ", expected)}] (r = {config.R} from {LoraConfig.FileName}, base weight [{string.Join(", ", weight.shape)}])");
            found.TryGetValue((layer, proj), out var pair);
            found[(layer, proj)] = isA ? pair with { A = entry.Name } : pair with { B = entry.Name };
        }
        if (adapterNames.Count > 1)
            throw new InvalidInputException($"{file.Path}: holds several adapters ({string.Join(", ", adapterNames)}); Cora loads one");
        if (found.Count == 0) throw new InvalidInputException($"{file.Path}: holds no LoRA tensors");

        var plan = new SortedDictionary<(int, string), (string, string)>();
        foreach (var ((layer, proj), (a, b)) in found)
        {
            if (a is null || b is null)
                throw new InvalidInputException($"{file.Path}: model.layers.{layer}.{LlamaDecoderLayer.ProjectionPath(proj)} has " +
                    $"{(a is null ? "lora_B but no lora_A" : "lora_A but no lora_B")}");
            plan[(layer, proj)] = (a, b);
        }
        return plan;
    }
}
