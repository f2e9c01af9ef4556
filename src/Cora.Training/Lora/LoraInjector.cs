using Cora.Training.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.Lora;

/// <summary>
/// Turns a base model into one ready for <see cref="Training.Trainer"/>: wraps the target
/// projections of every layer in <see cref="LoraLinear"/>, initialises them for the method and sets
/// <c>requires_grad</c> so that only what the method trains is trainable (the Trainer trains exactly
/// those). Also finds the adapters of a model and merges them into plain projections.
/// </summary>
public static class LoraInjector
{
    /// <summary>
    /// Prepares <paramref name="model"/> for <paramref name="method"/>. LoRA methods freeze every
    /// base weight, add adapters on <see cref="LoraConfig.TargetModules"/> of every layer, leave A
    /// trainable and B trainable unless the method freezes it. <c>full-ft</c> adds nothing and makes
    /// every weight trainable.
    /// </summary>
    /// <param name="seed">Seeds every random draw (see <see cref="LoraInitializer"/>).</param>
    /// <param name="basis">The CoRA basis, required by cora-fb and cora-tb.</param>
    /// <param name="aInit">How A starts for the methods that take a choice (<see cref="AInits.TakesAInit"/>).</param>
    /// <returns>The adapters added, by layer then projection (empty for full-ft).</returns>
    public static IReadOnlyList<LoraSite> Inject(LlamaForCausalLM model, LoraConfig config, LoraMethod method, long seed,
        LoraBasis? basis = null, AInit aInit = AInit.Kaiming)
    {
        aInit.CheckFor(method);
        if (!method.UsesAdapters())
        {
            foreach (var p in model.parameters()) p.requires_grad = true;
            return [];
        }
        config.Validated();
        if (method.NeedsBasis() && basis is null)
            throw new ArgumentException($"{method.Name()} needs a CoRA basis (from source models)", nameof(basis));
        if (Adapters(model).Count > 0) throw new InvalidOperationException("the model already has LoRA adapters");

        foreach (var p in model.parameters()) p.requires_grad = false;
        var targets = LlamaDecoderLayer.ProjectionNames.Where(config.TargetModules.Contains).ToList();
        var sites = new List<LoraSite>();
        var layers = model.Model.Layers;
        for (var i = 0; i < layers.Count; i++)
        {
            foreach (var name in targets)
            {
                var adapter = Wrap(model, layers[i], name, config);
                LoraInitializer.Initialize(adapter, method, seed, i, name, method.NeedsBasis() ? basis!(i, name) : null, aInit);
                adapter.A.requires_grad = true;
                adapter.B.requires_grad = !method.FreezesB();
                sites.Add(new LoraSite(i, name, adapter));
            }
        }
        return sites;
    }

    /// <summary>
    /// Wraps projection <paramref name="name"/> of <paramref name="layer"/> in a LoRA adapter (A and
    /// B as nn.Linear initialises them; the caller sets their values) and returns it. The adapter is
    /// in the model's train/eval mode.
    /// </summary>
    internal static LoraLinear Wrap(LlamaForCausalLM model, LlamaDecoderLayer layer, string name, LoraConfig config)
    {
        if (layer.Projection(name) is not Linear linear)
            throw new InvalidOperationException($"{name} is already wrapped; a projection takes one adapter");
        var adapter = new LoraLinear(linear, config.R, config.Scaling, config.LoraDropout);
        adapter.train(model.training);
        layer.ReplaceProjection(name, adapter);
        return adapter;
    }

    /// <summary>
    /// How far freshly initialised adapters move the model from its base: the mean over
    /// <paramref name="sites"/> of ‖s·B·A‖_F / ‖W‖_F. PiSSA's adapters count 0, since their base
    /// weight was reduced by exactly what they add. Meaningful right after <see cref="Inject"/>.
    /// </summary>
    public static double StartDisplacement(IReadOnlyList<LoraSite> sites)
    {
        if (sites.Count == 0) throw new ArgumentException("no adapters", nameof(sites));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return sites.Average(site => site.Module.MutatedInit is not null ? 0.0
            : site.Module.Delta().norm().item<float>() / (double)site.Module.BaseLayer.weight!.to(float32).norm().item<float>());
    }

    /// <summary>Every adapter of <paramref name="model"/>, by layer then projection (call order).</summary>
    public static IReadOnlyList<LoraSite> Adapters(LlamaForCausalLM model)
    {
        var sites = new List<LoraSite>();
        var layers = model.Model.Layers;
        for (var i = 0; i < layers.Count; i++)
            foreach (var name in LlamaDecoderLayer.ProjectionNames)
                if (layers[i].Projection(name) is LoraLinear adapter) sites.Add(new LoraSite(i, name, adapter));
        return sites;
    }

    /// <summary>
    /// Replaces every adapter by a plain projection holding W + s·B·A (PEFT's
    /// <c>merge_and_unload</c>): the model then has the base checkpoint's parameter names again, so
    /// it can be saved as a full checkpoint or read as a source model for basis extraction.
    /// The merged weights are frozen as the base weights were; returns how many were merged.
    /// </summary>
    public static int MergeAndUnload(LlamaForCausalLM model)
    {
        var sites = Adapters(model);
        var layers = model.Model.Layers;
        foreach (var site in sites)
        {
            var old = site.Module.BaseLayer;
            var weight = old.weight!;
            var merged = nn.Linear(site.Module.InFeatures, site.Module.OutFeatures, hasBias: old.bias is not null,
                device: weight.device, dtype: weight.dtype);
            using (no_grad())
            {
                using var mergedWeight = site.Module.MergedWeight();
                merged.weight!.copy_(mergedWeight);
                if (old.bias is not null) merged.bias!.copy_(old.bias);
            }
            merged.weight!.requires_grad = weight.requires_grad;
            if (merged.bias is not null) merged.bias.requires_grad = old.bias!.requires_grad;
            merged.train(model.training);
            layers[site.Layer].ReplaceProjection(site.Projection, merged);
            site.Module.Dispose();
        }
        return sites.Count;
    }
}
