using System.Text;
using Cora.Training.Data;
using Cora.Training.Zoo;

namespace Cora.Training.Tests.Zoo;

public sealed class SyntheticTasksTests
{
    public static TheoryData<string> AllTasks() => new(SyntheticTasks.Tasks.Select(t => t.Name));

    private static string PromptKey(AlpacaExample e) => e.Instruction + "\n" + e.Input;

    [Fact]
    public void Registry_has_five_sources_and_the_two_targets()
    {
        Assert.Equal(["reverse-words", "sort-numbers", "arithmetic", "case-transform", "key-lookup"], SyntheticTasks.Sources);
        Assert.Equal(["alpaca", "code"], SyntheticTasks.Targets);
        Assert.All(SyntheticTasks.Sources, n => Assert.Equal(TaskRole.Source, SyntheticTasks.Get(n).Role));
        Assert.All(SyntheticTasks.Targets, n => Assert.Equal(TaskRole.Target, SyntheticTasks.Get(n).Role));
    }

    [Theory]
    [MemberData(nameof(AllTasks))]
    public void Every_task_has_a_one_line_description(string name)
    {
        var description = SyntheticTasks.Get(name).Description;
        Assert.False(string.IsNullOrWhiteSpace(description));
        Assert.DoesNotContain('\n', description);
    }

    [Fact]
    public void Unknown_task_is_an_error_listing_the_known_ones()
    {
        var error = Assert.Throws<InvalidInputException>(() => SyntheticTasks.Generate("poetry", 3, 1));
        Assert.Equal(
            "unknown synthetic task \"poetry\"; known tasks: reverse-words, sort-numbers, arithmetic, case-transform, key-lookup, alpaca, code",
            error.Message);
    }

    [Fact]
    public void Negative_count_is_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticTasks.Generate("arithmetic", -1, 1));

    [Theory]
    [MemberData(nameof(AllTasks))]
    public void Same_seed_gives_identical_examples_and_another_seed_different_ones(string name)
    {
        var first = SyntheticTasks.Generate(name, 300, 7);
        Assert.Equal(300, first.Count);
        Assert.Equal(first, SyntheticTasks.Generate(name, 300, 7));
        var other = SyntheticTasks.Generate(name, 300, 8);
        Assert.NotEqual(first.Select(PromptKey), other.Select(PromptKey));
    }

    [Theory]
    [MemberData(nameof(AllTasks))]
    public void Examples_of_a_split_are_distinct_with_distinct_ids(string name)
    {
        var split = SyntheticTasks.Split(name, 1000, 200, 3);
        Assert.Equal(1000, split.Train.Select(PromptKey).Distinct().Count());
        Assert.Equal(200, split.Eval.Select(PromptKey).Distinct().Count());
        Assert.Equal($"{name}-train-00000", split.Train[0].Id);
        Assert.Equal($"{name}-eval-00199", split.Eval[199].Id);
        Assert.Equal(1200, split.Train.Concat(split.Eval).Select(e => e.Id).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(AllTasks))]
    public void Train_and_eval_never_share_a_prompt_even_across_seeds(string name)
    {
        var split = SyntheticTasks.Split(name, 1000, 200, 1);
        var otherEval = SyntheticTasks.Split(name, 10, 200, 2).Eval;
        var train = split.Train.Select(PromptKey).ToHashSet();
        Assert.DoesNotContain(split.Eval, e => train.Contains(PromptKey(e)));
        Assert.DoesNotContain(otherEval, e => train.Contains(PromptKey(e)));
        Assert.All(split.Eval, e => Assert.True(SyntheticTasks.IsHeldOut(e)));
        Assert.All(split.Train, e => Assert.False(SyntheticTasks.IsHeldOut(e)));
    }

    [Fact]
    public void Eval_does_not_depend_on_train_count_and_generate_is_the_train_part()
    {
        var small = SyntheticTasks.Split("alpaca", 10, 50, 5);
        var large = SyntheticTasks.Split("alpaca", 500, 50, 5);
        Assert.Equal(small.Eval, large.Eval);
        Assert.Equal(large.Train, SyntheticTasks.Generate("alpaca", 500, 5));
    }

    [Fact]
    public void Held_out_partition_is_about_one_in_eight()
    {
        var examples = Enumerable.Range(0, 4000).Select(i => new AlpacaExample($"task {i}", "", "x"));
        var heldOut = examples.Count(SyntheticTasks.IsHeldOut);
        Assert.InRange(heldOut, 400, 600);
    }

    [Theory]
    [MemberData(nameof(AllTasks))]
    public void Full_text_is_ascii_and_fits_the_context(string name)
    {
        var split = SyntheticTasks.Split(name, 3000, 300, 11);
        foreach (var example in split.Train.Concat(split.Eval))
        {
            var text = PromptTemplate.FullText(example);
            Assert.True(Ascii.IsValid(text), text);
            Assert.True(
                Encoding.UTF8.GetByteCount(text) <= SyntheticTasks.MaxFullTextBytes,
                $"{Encoding.UTF8.GetByteCount(text)} bytes: {text}");
            Assert.NotEqual("", example.Instruction);
            Assert.NotEqual("", example.Output);
        }
    }

    [Theory]
    [MemberData(nameof(AllTasks))]
    public void Output_is_a_function_of_the_prompt(string name)
    {
        var answers = new Dictionary<string, string>();
        foreach (var seed in Enumerable.Range(0, 20))
        {
            var split = SyntheticTasks.Split(name, 300, 40, seed);
            foreach (var example in split.Train.Concat(split.Eval))
            {
                var key = PromptKey(example);
                if (answers.TryGetValue(key, out var answer))
                    Assert.Equal(answer, example.Output);
                else
                    answers[key] = example.Output;
            }
        }
    }

    [Fact]
    public void Asking_for_more_examples_than_a_task_has_is_an_error()
    {
        var error = Assert.Throws<InvalidInputException>(() => SyntheticTasks.Draw(new CoinTask(), 3, 1, heldOut: false));
        Assert.Contains("\"coin\" yields only", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// First training example of every task for seed 1, pinned: any change to the generator,
    /// the random number generator or the tables changes the zoo's data and must be deliberate.
    /// </summary>
    [Theory]
    [InlineData("reverse-words", "Reverse the order of these words: chair pen desk coin", "", "coin desk pen chair")]
    [InlineData("sort-numbers", "Sort these numbers from smallest to largest: 45, 33, 20", "", "20, 33, 45")]
    [InlineData("arithmetic", "Calculate 65 + 19.", "", "84")]
    [InlineData("case-transform", "Capitalize each word: pEn RosE Pig", "", "Pen Rose Pig")]
    [InlineData("key-lookup", "Given t=45, q=33, n=20, o=50, b=37, what is t?", "", "45")]
    [InlineData("alpaca", "What is the capital of Kenya?", "", "The capital of Kenya is Nairobi.")]
    [InlineData("code", "Create a Python function that returns the string msg in uppercase.", "", "def to_upper(msg):\n    return msg.upper()")]
    public void First_example_for_seed_1_is_pinned(string name, string instruction, string input, string output)
    {
        var example = SyntheticTasks.Generate(name, 1, 1)[0];
        Assert.Equal(new AlpacaExample(instruction, input, output) { Id = $"{name}-train-00000" }, example);
    }

    /// <summary>A task with only two prompts, which cannot fill three examples.</summary>
    private sealed class CoinTask : SyntheticTask
    {
        public override string Name => "coin";
        public override string Description => "Heads or tails.";
        public override TaskRole Role => TaskRole.Source;

        internal override AlpacaExample Sample(SplitMix64 random) =>
            new(random.Next(2) == 0 ? "heads" : "tails", "", "x");
    }
}
