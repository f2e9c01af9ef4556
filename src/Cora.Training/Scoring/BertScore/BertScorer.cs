using Cora.Training.Encoders;
using Cora.Training.IO;
using Cora.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Cora.Training.Scoring.BertScore;

/// <summary>
/// BERTScore (Zhang et al., 2020) with the bert-score package's semantics: sentences tokenized as
/// <see cref="SentenceTokenizer"/> says, embedded by the hidden state of one layer (no gradient,
/// batches padded on the right and masked), each token vector L2-normalised, then matched per pair
/// by <see cref="GreedyMatching"/> with <see cref="TokenWeights"/>, and optionally rescaled with a
/// <see cref="BertScoreBaseline"/>.
/// </summary>
/// <remarks>
/// Llama base mode runs the same pipeline on a <see cref="LlamaModel"/>'s hidden state
/// (<see cref="LlamaModel.HiddenState"/>; the last one is after the final norm), tokens from the
/// checkpoint's tokenizer with BOS and no EOS; BOS is the only special token (weight 0 without
/// idf). Those numbers measure something else than published BERTScore and say so
/// (<see cref="BertScoreSettings.Comparable"/> is false).
/// Memory: pairs are scored in chunks of <see cref="BertScoreOptions.BatchSize"/>; only one chunk's
/// embeddings exist at a time.
/// </remarks>
public sealed class BertScorer : IDisposable
{
    private readonly nn.Module _module;
    private readonly IHiddenStates _model;
    private readonly SentenceTokenizer _tokenizer;
    private readonly BertScoreBaseline? _baseline;
    private readonly int _batchSize;

    private BertScorer(nn.Module module, IHiddenStates model, SentenceTokenizer tokenizer, BertScoreSettings settings,
        BertScoreBaseline? baseline, int batchSize)
    {
        _module = module;
        _model = model;
        _tokenizer = tokenizer;
        Settings = settings;
        _baseline = baseline;
        _batchSize = batchSize;
    }

    public BertScoreSettings Settings { get; }

    public SentenceTokenizer Tokenizer => _tokenizer;

    /// <summary>Loads the model and tokenizer that <paramref name="options"/> name; every problem is an <see cref="InvalidInputException"/>.</summary>
    public static BertScorer Load(BertScoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.BatchSize <= 0) throw new InvalidInputException($"bertscore batch size must be positive (got {options.BatchSize})");
        var directory = options.Model;
        if (!Directory.Exists(directory)) throw new InvalidInputException($"{directory}: no such bertscore model directory");
        var configPath = Path.Combine(directory, EncoderCheckpoint.ConfigFileName);
        var modelType = new ConfigReader(ConfigReader.ReadObject(configPath), configPath).String("model_type", null);
        var device = Placement.Parse(options.Device).Device;
        if (modelType is "llama" or "mistral" && options.Layer is null)
            throw new InvalidInputException($"{directory}: bertscore with a Llama checkpoint (base mode) needs a layer: there is no standard one");
        if (modelType is not ("bert" or "roberta" or "llama" or "mistral"))
            throw new InvalidInputException($"{configPath}: model_type \"{modelType}\": bertscore runs bert or roberta checkpoints, or llama ones in base mode");
        // Chosen before the weights are read: it reads config.json only, and a failure leaks nothing.
        var layer = BertScoreLayer.Choose(directory, options.Layer);

        nn.Module module;
        IHiddenStates model;
        SentenceTokenizer tokenizer;
        bool comparable;
        switch (modelType)
        {
            case "bert" or "roberta":
                var encoder = EncoderCheckpoint.Load(directory);
                encoder.to(device);
                (module, model, comparable) = (encoder, encoder, true);
                tokenizer = SentenceTokenizer.ForEncoder(directory, encoder.Config);
                break;
            default:                                                    // llama or mistral, checked above
                var llama = LlamaCheckpoint.Load(directory, new Placement(device, ScalarType.Float32));
                (module, model, comparable) = (llama, llama.Model, false);
                tokenizer = SentenceTokenizer.ForLlama(directory, llama.Config);
                break;
        }

        if (layer.Index < 0 || layer.Index > model.LayerCount)
        {
            module.Dispose();
            throw new InvalidInputException($"{directory}: bertscore layer {layer.Index} does not exist (this model has hidden states 0..{model.LayerCount})");
        }
        var baseline = options.Baseline is null ? null : BertScoreBaseline.Load(options.Baseline, layer.Index);
        var settings = new BertScoreSettings(directory, modelType, layer, options.Idf, options.Baseline, comparable);
        return new BertScorer(module, model, tokenizer, settings, baseline, options.BatchSize);
    }

    /// <summary>Scores each candidate against its reference, in order. Idf weights come from all the references given.</summary>
    public IReadOnlyList<BertScoreValues> Score(IReadOnlyList<(string Candidate, string Reference)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var candidates = pairs.Select(p => _tokenizer.Encode(p.Candidate)).ToList();
        var references = pairs.Select(p => _tokenizer.Encode(p.Reference)).ToList();
        var weights = Settings.Idf
            ? TokenWeights.Idf(references.Select(r => (IReadOnlyList<int>)r).ToList())
            : TokenWeights.Uniform(_tokenizer.SpecialIds);

        var scores = new List<BertScoreValues>(pairs.Count);
        using var _ = no_grad();
        for (var start = 0; start < pairs.Count; start += _batchSize)
        {
            using var scope = NewDisposeScope();
            var end = Math.Min(start + _batchSize, pairs.Count);
            var embedded = Embed(candidates.Skip(start).Take(end - start).Concat(references.Skip(start).Take(end - start)));
            for (var i = start; i < end; i++)
            {
                var (c, r) = (candidates[i], references[i]);
                var cosines = c.Length == 0 || r.Length == 0
                    ? new double[c.Length, r.Length]
                    : ToMatrix(embedded[Key(c)].mm(embedded[Key(r)].t()));                 // (n, m)
                var raw = GreedyMatching.Score(cosines, weights.Of(c), weights.Of(r), _tokenizer.IsEmpty(c), _tokenizer.IsEmpty(r));
                scores.Add(_baseline?.Rescale(raw) ?? raw);
            }
        }
        return scores;
    }

    /// <summary>
    /// The L2-normalised token embeddings of each distinct sequence, (len, D) on the model's
    /// device, keyed by <see cref="Key"/>. Longest first, so a batch pads little.
    /// </summary>
    public Dictionary<string, Tensor> Embed(IEnumerable<int[]> sequences)
    {
        var distinct = sequences.Where(s => s.Length > 0).DistinctBy(Key).OrderByDescending(s => s.Length).ToList();
        var embedded = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var start = 0; start < distinct.Count; start += _batchSize)
        {
            var batch = distinct.Skip(start).Take(_batchSize).ToList();
            var length = batch[0].Length;
            var ids = new long[batch.Count * length];
            var mask = new long[batch.Count * length];
            Array.Fill(ids, _tokenizer.PadId);
            for (var b = 0; b < batch.Count; b++)
            {
                for (var t = 0; t < batch[b].Length; t++)
                {
                    ids[b * length + t] = batch[b][t];
                    mask[b * length + t] = 1;
                }
            }
            using var input = tensor(ids, [batch.Count, length], device: _model.Device);
            using var attention = tensor(mask, [batch.Count, length], device: _model.Device);
            var hidden = _model.HiddenState(input, attention, Settings.Layer.Index).to(float32);    // (B, T, D)
            for (var b = 0; b < batch.Count; b++)
            {
                var rows = hidden[b, ..batch[b].Length];                                     // (len, D)
                embedded[Key(batch[b])] = rows / rows.norm(1, keepdim: true);
            }
        }
        return embedded;
    }

    /// <summary>The dictionary key of a token sequence.</summary>
    public static string Key(int[] ids) => string.Join(',', ids);

    private static double[,] ToMatrix(Tensor cosines)
    {
        var values = cosines.to(float64).cpu().data<double>().ToArray();
        int n = (int)cosines.shape[0], m = (int)cosines.shape[1];
        var matrix = new double[n, m];
        Buffer.BlockCopy(values, 0, matrix, 0, values.Length * sizeof(double));
        return matrix;
    }

    public void Dispose() => _module.Dispose();
}
