using System.Text;
using Cora.Training.Data;
using Cora.Training.Zoo.Tasks;

namespace Cora.Training.Zoo;

/// <summary>
/// The tiny zoo's task registry. Source tasks each train one zoo model (different skills, like
/// the paper's five differently fine-tuned Llama-2 models); target tasks are held out for
/// LoRA/CoRA runs and shaped like the paper's datasets (alpaca-style instructions, text-to-code).
/// <para>
/// Every prompt (instruction + input) belongs to exactly one of two partitions, decided by a hash
/// of its text: about one in <see cref="HeldOutBuckets"/> is held out for evaluation. Generated
/// training data never contains a held-out prompt, whatever the seed, so evaluation prompts stay
/// unseen by pretraining, by source fine-tuning and by target training alike.
/// </para>
/// </summary>
public static class SyntheticTasks
{
    /// <summary>
    /// Upper bound on <see cref="PromptTemplate.FullText"/> in UTF-8 bytes for every generated
    /// example: a 256-byte context less one BOS and one EOS token.
    /// </summary>
    public const int MaxFullTextBytes = 254;

    /// <summary>One prompt in this many (by hash) is held out for evaluation.</summary>
    public const int HeldOutBuckets = 8;

    // Gives up when this many draws in a row bring nothing new: the task's space is exhausted.
    private const int MaxFruitlessDraws = 100_000;

    private static readonly SyntheticTask[] All =
    [
        new ReverseWordsTask(),
        new SortNumbersTask(),
        new ArithmeticTask(),
        new CaseTransformTask(),
        new KeyLookupTask(),
        new AlpacaTask(),
        new CodeTask(),
    ];

    /// <summary>The source tasks' names, in the zoo's fixed order.</summary>
    public static IReadOnlyList<string> Sources { get; } =
        All.Where(t => t.Role == TaskRole.Source).Select(t => t.Name).ToArray();

    /// <summary>The target tasks' names: "alpaca", "code".</summary>
    public static IReadOnlyList<string> Targets { get; } =
        All.Where(t => t.Role == TaskRole.Target).Select(t => t.Name).ToArray();

    /// <summary>Every task, sources first, in registry order.</summary>
    public static IReadOnlyList<SyntheticTask> Tasks { get; } = All;

    /// <exception cref="InvalidInputException">No task has that name; the message lists the known ones.</exception>
    public static SyntheticTask Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Array.Find(All, t => t.Name == name)
            ?? throw new InvalidInputException(
                $"unknown synthetic task \"{name}\"; known tasks: {string.Join(", ", All.Select(t => t.Name))}");
    }

    /// <summary>
    /// <paramref name="count"/> distinct training examples of a task (never a held-out prompt),
    /// identical for identical arguments on every machine. Ids are "{name}-train-{index:D5}".
    /// Equal to <c>Split(name, count, 0, seed).Train</c>.
    /// </summary>
    public static IReadOnlyList<AlpacaExample> Generate(string name, int count, int seed) =>
        Draw(Get(name), count, seed, heldOut: false);

    /// <summary>
    /// Training and evaluation examples of a task: each distinct, no prompt in both (nor in any
    /// training data generated with any other seed). The evaluation examples do not depend on
    /// <paramref name="trainCount"/>. Eval ids are "{name}-eval-{index:D5}".
    /// </summary>
    public static TaskSplit Split(string name, int trainCount, int evalCount, int seed)
    {
        var task = Get(name);
        return new TaskSplit(Draw(task, trainCount, seed, heldOut: false), Draw(task, evalCount, seed, heldOut: true));
    }

    /// <summary>Whether an example's prompt belongs to the evaluation partition.</summary>
    public static bool IsHeldOut(AlpacaExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        // FNV-1a over UTF-8 bytes: fixed, unlike string.GetHashCode, which is randomised per process.
        var hash = 0xCBF29CE484222325UL;
        foreach (var b in Encoding.UTF8.GetBytes(example.Instruction + "\n" + example.Input))
            hash = unchecked((hash ^ b) * 0x100000001B3UL);
        return hash % HeldOutBuckets == 0;
    }

    // Internal so that tests can drive it with a task whose space is small.
    internal static AlpacaExample[] Draw(SyntheticTask task, int count, int seed, bool heldOut)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new SplitMix64(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var examples = new AlpacaExample[count];
        var part = heldOut ? "eval" : "train";
        var filled = 0;
        var fruitless = 0;
        while (filled < count)
        {
            var example = task.Sample(random);
            if (IsHeldOut(example) != heldOut || !seen.Add(example.Instruction + "\n" + example.Input))
            {
                if (++fruitless > MaxFruitlessDraws)
                    throw new InvalidInputException(
                        $"synthetic task \"{task.Name}\" yields only {filled} distinct {part} examples; {count} were asked for");
                continue;
            }

            fruitless = 0;
            examples[filled] = example with { Id = $"{task.Name}-{part}-{filled:D5}" };
            filled++;
        }

        return examples;
    }
}
