using Cora.Training.Model;
using Cora.Training.Tokenizers;
using Cora.Training.FineTuning;

namespace Cora.Training.Zoo;

/// <summary>
/// Sizes of a zoo: the model shape, how many examples each task gets, and the training budgets.
/// <c>micro</c> is for tests (under a minute on 2 cores); <c>tiny</c> gives demo grids something
/// to learn (a few minutes). Zoo models use full multi-head attention, as Llama-2-13B does, so
/// q/k/v are square and a shared q/k/v basis exists.
/// </summary>
public sealed record ZooPreset(
    string Name,
    LlamaConfig Model,
    int TrainExamples,
    int EvalExamples,
    TrainingArgs Pretraining,
    TrainingArgs FineTuning)
{
    public static readonly IReadOnlyList<string> Names = ["micro", "tiny"];

    public static ZooPreset Get(string name) => name switch
    {
        "micro" => new("micro", Llama(hidden: 64, layers: 2, heads: 4, intermediate: 172),
            TrainExamples: 192, EvalExamples: 32,
            Pretraining: Args(steps: 120, lr: 3e-3, batch: 16),
            FineTuning: Args(steps: 30, lr: 3e-3, batch: 16)),
        "tiny" => new("tiny", Llama(hidden: 128, layers: 4, heads: 4, intermediate: 344),
            TrainExamples: 1024, EvalExamples: 96,
            Pretraining: Args(steps: 300, lr: 2e-3, batch: 16),
            FineTuning: Args(steps: 80, lr: 2e-3, batch: 16)),
        _ => throw new InvalidInputException($"unknown zoo preset \"{name}\" (known: {string.Join(", ", Names)})"),
    };

    private static LlamaConfig Llama(int hidden, int layers, int heads, int intermediate) => new()
    {
        VocabSize = ByteTokenizer.VocabSize,
        HiddenSize = hidden,
        IntermediateSize = intermediate,
        NumHiddenLayers = layers,
        NumAttentionHeads = heads,
        NumKeyValueHeads = heads,
        HeadDim = hidden / heads,
        MaxPositionEmbeddings = 512,
        RmsNormEps = 1e-5,
        BosTokenId = 1,
        EosTokenId = 2,
        PadTokenId = 0,
    };

    private static TrainingArgs Args(int steps, double lr, int batch) => new()
    {
        MaxSteps = steps,
        LearningRate = lr,
        BatchSize = batch,
        WarmupRatio = 0.1,
        LrSchedulerType = "cosine",
        WeightDecay = 0.01,
        MaxSeqLength = 256,
    };
}
