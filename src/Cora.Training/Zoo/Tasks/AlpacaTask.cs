using Cora.Training.Data;

namespace Cora.Training.Zoo.Tasks;

/// <summary>
/// The instruction-following target, shaped like alpaca-cleaned: several kinds of natural
/// language requests over small built-in facts and rules, some with an input and some without,
/// answers often in full sentences. Every answer follows from the instruction and input alone.
/// Kinds with an input are kept short: the input template alone takes 205 of the 254 bytes.
/// </summary>
internal sealed class AlpacaTask : SyntheticTask
{
    // Each word appears once, so the opposite of a word is unique (both directions are used).
    private static readonly (string Word, string Opposite)[] Antonyms =
    [
        ("hot", "cold"), ("big", "small"), ("fast", "slow"), ("happy", "sad"), ("light", "dark"),
        ("up", "down"), ("open", "closed"), ("old", "new"), ("early", "late"), ("full", "empty"),
        ("hard", "soft"), ("high", "low"), ("long", "short"), ("rich", "poor"), ("strong", "weak"),
        ("wet", "dry"), ("near", "far"), ("clean", "dirty"), ("loud", "quiet"), ("thick", "thin"),
        ("day", "night"), ("win", "lose"), ("push", "pull"), ("first", "last"), ("true", "false"),
    ];

    private static readonly (string Country, string Capital)[] Capitals =
    [
        ("France", "Paris"), ("Germany", "Berlin"), ("Italy", "Rome"), ("Spain", "Madrid"),
        ("Japan", "Tokyo"), ("China", "Beijing"), ("Egypt", "Cairo"), ("Kenya", "Nairobi"),
        ("Canada", "Ottawa"), ("Peru", "Lima"), ("Chile", "Santiago"), ("Russia", "Moscow"),
        ("Poland", "Warsaw"), ("Greece", "Athens"), ("Norway", "Oslo"), ("Sweden", "Stockholm"),
        ("Finland", "Helsinki"), ("Ireland", "Dublin"), ("Portugal", "Lisbon"), ("Austria", "Vienna"),
        ("Hungary", "Budapest"), ("Turkey", "Ankara"), ("Thailand", "Bangkok"), ("Vietnam", "Hanoi"),
        ("Cuba", "Havana"), ("Australia", "Canberra"), ("Mexico", "Mexico City"), ("India", "New Delhi"),
    ];

    // Singular and plural; consonant-initial so that the article is always "A".
    private static readonly (string Singular, string Plural)[] Nouns =
    [
        ("cat", "cats"), ("dog", "dogs"), ("bird", "birds"), ("horse", "horses"), ("child", "children"),
        ("mouse", "mice"), ("fox", "foxes"), ("wolf", "wolves"), ("goose", "geese"), ("man", "men"),
        ("woman", "women"), ("baby", "babies"), ("puppy", "puppies"), ("sheep", "sheep"), ("duck", "ducks"),
        ("frog", "frogs"), ("girl", "girls"), ("boy", "boys"), ("bee", "bees"), ("lady", "ladies"),
    ];

    // Third person singular and base form.
    private static readonly (string Singular, string Plural)[] Verbs =
    [
        ("runs", "run"), ("jumps", "jump"), ("sleeps", "sleep"), ("eats", "eat"), ("sings", "sing"),
        ("swims", "swim"), ("watches", "watch"), ("waits", "wait"), ("plays", "play"), ("hides", "hide"),
        ("cries", "cry"), ("laughs", "laugh"), ("walks", "walk"), ("sits", "sit"), ("flies", "fly"),
    ];

    private static readonly string[] Subjects = ["I", "We", "They", "You"];

    // Present, past, rest of the sentence.
    private static readonly (string Present, string Past, string Tail)[] Actions =
    [
        ("walk", "walked", "to school"), ("eat", "ate", "lunch"), ("see", "saw", "a bird"),
        ("write", "wrote", "a letter"), ("play", "played", "chess"), ("cook", "cooked", "dinner"),
        ("read", "read", "a book"), ("drink", "drank", "tea"), ("buy", "bought", "bread"),
        ("find", "found", "a key"), ("sing", "sang", "a song"), ("visit", "visited", "Rome"),
        ("paint", "painted", "a wall"), ("open", "opened", "the door"), ("build", "built", "a house"),
        ("watch", "watched", "a film"), ("clean", "cleaned", "the room"), ("take", "took", "a bus"),
    ];

    private static readonly (string Animal, string Kind)[] Animals =
    [
        ("dog", "mammal"), ("cat", "mammal"), ("horse", "mammal"), ("cow", "mammal"), ("whale", "mammal"),
        ("bat", "mammal"), ("lion", "mammal"), ("tiger", "mammal"), ("rabbit", "mammal"), ("goat", "mammal"),
        ("eagle", "bird"), ("owl", "bird"), ("crow", "bird"), ("robin", "bird"), ("penguin", "bird"),
        ("parrot", "bird"), ("duck", "bird"), ("swan", "bird"), ("salmon", "fish"), ("shark", "fish"),
        ("trout", "fish"), ("tuna", "fish"), ("cod", "fish"), ("carp", "fish"),
    ];

    private static readonly string[] Names = ["Tom", "Ann", "Sam", "Mia", "Leo", "Eva", "Max", "Zoe"];
    private static readonly string[] Items = ["apples", "pens", "books", "coins", "cards", "shells"];

    private const int Kinds = 8;

    public override string Name => "alpaca";
    public override string Description =>
        "Alpaca-style instructions: opposites, capitals, plurals, past tense, parity, animal classes, comparisons, word problems.";
    public override TaskRole Role => TaskRole.Target;

    internal override AlpacaExample Sample(SplitMix64 random) => random.Next(Kinds) switch
    {
        0 => Opposite(random),
        1 => Capital(random),
        2 => Plural(random),
        3 => PastTense(random),
        4 => Parity(random),
        5 => Classify(random),
        6 => Compare(random),
        _ => WordProblem(random),
    };

    private static AlpacaExample Opposite(SplitMix64 random)
    {
        var (word, opposite) = random.Pick(Antonyms);
        if (random.Next(2) == 0)
            (word, opposite) = (opposite, word);
        var instruction = random.Next(3) switch
        {
            0 => $"What is the opposite of {word}?",
            1 => $"Give an antonym for the word {word}.",
            _ => $"Name a word that means the opposite of {word}.",
        };
        return new AlpacaExample(instruction, "", $"The opposite of {word} is {opposite}.");
    }

    private static AlpacaExample Capital(SplitMix64 random)
    {
        var (country, capital) = random.Pick(Capitals);
        var instruction = random.Next(3) switch
        {
            0 => $"What is the capital of {country}?",
            1 => $"Name the capital city of {country}.",
            _ => $"Which city is the capital of {country}?",
        };
        return new AlpacaExample(instruction, "", $"The capital of {country} is {capital}.");
    }

    private static AlpacaExample Plural(SplitMix64 random)
    {
        var noun = random.Pick(Nouns);
        var verb = random.Pick(Verbs);
        var plural = char.ToUpperInvariant(noun.Plural[0]) + noun.Plural[1..];
        return new AlpacaExample(
            "Make it plural.", $"A {noun.Singular} {verb.Singular}.", $"{plural} {verb.Plural}.");
    }

    private static AlpacaExample PastTense(SplitMix64 random)
    {
        var subject = random.Pick(Subjects);
        var action = random.Pick(Actions);
        var prefix = random.Next(2) == 0 ? "Rewrite in the past tense:" : "Change to the past tense:";
        return new AlpacaExample(
            $"{prefix} {subject} {action.Present} {action.Tail}.", "", $"{subject} {action.Past} {action.Tail}.");
    }

    private static AlpacaExample Parity(SplitMix64 random)
    {
        var n = random.Between(0, 999);
        return new AlpacaExample("Is this number even or odd?", $"{n}", $"{n} is {(n % 2 == 0 ? "even" : "odd")}.");
    }

    private static AlpacaExample Classify(SplitMix64 random)
    {
        var (animal, kind) = random.Pick(Animals);
        var instruction = random.Next(2) == 0 ? "Is it a mammal, bird or fish?" : "Mammal, bird or fish?";
        return new AlpacaExample(instruction, animal, kind);
    }

    private static AlpacaExample Compare(SplitMix64 random)
    {
        var a = random.Between(0, 999);
        var b = random.Between(0, 999);
        while (b == a)
            b = random.Between(0, 999);
        return new AlpacaExample(
            $"Which number is larger, {a} or {b}?", "", $"{Math.Max(a, b)} is larger than {Math.Min(a, b)}.");
    }

    private static AlpacaExample WordProblem(SplitMix64 random)
    {
        var name = random.Pick(Names);
        var items = random.Pick(Items);
        var a = random.Between(2, 20);
        var b = random.Between(2, 20);
        return new AlpacaExample(
            $"{name} has {a} {items} and gets {b} more. How many {items} does {name} have now?", "",
            $"{name} has {a + b} {items} now.");
    }
}
