using Cora.Training.Data;

namespace Cora.Training.Zoo.Tasks;

/// <summary>
/// The text-to-code target: a description of a small Python function in, its two-line
/// definition out. The instruction names every choice (operation, argument names, constant,
/// function name where given), so the code follows from it.
/// </summary>
internal sealed class CodeTask : SyntheticTask
{
    // Phrase with {0} and {1} for the arguments, default function name, Python expression.
    private static readonly (string Phrase, string Function, string Expression)[] BinaryOps =
    [
        ("the sum of {0} and {1}", "add", "{0} + {1}"),
        ("the difference of {0} and {1}", "subtract", "{0} - {1}"),
        ("the product of {0} and {1}", "multiply", "{0} * {1}"),
        ("{0} divided by {1}", "divide", "{0} / {1}"),
        ("the remainder of {0} divided by {1}", "remainder", "{0} % {1}"),
        ("{0} to the power of {1}", "power", "{0} ** {1}"),
        ("the larger of {0} and {1}", "larger", "max({0}, {1})"),
        ("the smaller of {0} and {1}", "smaller", "min({0}, {1})"),
        ("the average of {0} and {1}", "average", "({0} + {1}) / 2"),
    ];

    private static readonly (string First, string Second)[] ArgumentPairs =
        [("a", "b"), ("x", "y"), ("m", "n"), ("p", "q"), ("u", "v"), ("i", "j"), ("c", "d"), ("r", "t"), ("w", "z")];

    // At most four letters: the longest named instruction and definition just fit the context.
    private static readonly string[] GivenNames =
        ["f", "g", "h", "k", "fn", "op", "go", "run", "mix", "calc", "func", "join", "pair", "work", "step", "comb"];

    // Phrase with {0} for the constant and the function-name stem; the argument is x or n.
    private static readonly (string Phrase, string Stem, string Argument, string Expression, bool Check)[] ConstantOps =
    [
        ("x times {0}", "times", "x", "x * {0}", false),
        ("x plus {0}", "plus", "x", "x + {0}", false),
        ("x minus {0}", "minus", "x", "x - {0}", false),
        ("n is divisible by {0}", "divisible_by", "n", "n % {0} == 0", true),
        ("n is greater than {0}", "greater_than", "n", "n > {0}", true),
        ("n is less than {0}", "less_than", "n", "n < {0}", true),
    ];

    // Phrase with {0} for the argument, function name, expression.
    private static readonly (string Phrase, string Function, string Expression)[] ListOps =
    [
        ("the length of the list {0}", "length", "len({0})"),
        ("the sum of the list {0}", "total", "sum({0})"),
        ("the largest item of {0}", "largest", "max({0})"),
        ("the smallest item of {0}", "smallest", "min({0})"),
        ("the first item of {0}", "first", "{0}[0]"),
        ("the last item of {0}", "last", "{0}[-1]"),
        ("the list {0} reversed", "reverse", "{0}[::-1]"),
        ("the list {0} sorted", "sort", "sorted({0})"),
    ];

    private static readonly string[] ListArguments = ["xs", "items", "nums", "values", "data", "arr"];

    private static readonly (string Phrase, string Function, string Expression)[] StringOps =
    [
        ("the string {0} in uppercase", "to_upper", "{0}.upper()"),
        ("the string {0} in lowercase", "to_lower", "{0}.lower()"),
        ("{0} without surrounding spaces", "trim", "{0}.strip()"),
        ("the number of characters in {0}", "char_count", "len({0})"),
        ("the string {0} reversed", "reverse_text", "{0}[::-1]"),
        ("the words of {0} as a list", "words", "{0}.split()"),
    ];

    private static readonly string[] StringArguments = ["s", "text", "word", "name", "line", "msg"];

    // "returns" and "checks if" forms of one opening.
    private static readonly (string Returns, string Checks)[] Openings =
    [
        ("Write a Python function that returns", "Write a Python function that checks if"),
        ("Write a Python function to return", "Write a Python function to check if"),
        ("Create a Python function that returns", "Create a Python function that checks if"),
    ];

    public override string Name => "code";
    public override string Description =>
        "Text-to-code: describe a small Python function (arithmetic, predicates, list and string ops), answer its definition.";
    public override TaskRole Role => TaskRole.Target;

    internal override AlpacaExample Sample(SplitMix64 random)
    {
        var opening = random.Pick(Openings);
        switch (random.Next(5))
        {
            case 0:
            {
                var (phrase, function, expression) = random.Pick(BinaryOps);
                var (a, b) = random.Pick(ArgumentPairs);
                return new AlpacaExample(
                    $"{opening.Returns} {Fill(phrase, a, b)}.", "", Define(function, $"{a}, {b}", Fill(expression, a, b)));
            }
            case 1:
            {
                // The function name is given in the instruction rather than implied by the operation.
                var (phrase, _, expression) = random.Pick(BinaryOps);
                var (a, b) = random.Pick(ArgumentPairs);
                var name = random.Pick(GivenNames);
                return new AlpacaExample(
                    $"Write a Python function {name}({a}, {b}) that returns {Fill(phrase, a, b)}.", "",
                    Define(name, $"{a}, {b}", Fill(expression, a, b)));
            }
            case 2:
            {
                var op = random.Pick(ConstantOps);
                var k = $"{random.Between(2, 299)}";
                return new AlpacaExample(
                    $"{(op.Check ? opening.Checks : opening.Returns)} {Fill(op.Phrase, k)}.", "",
                    Define($"{op.Stem}_{k}", op.Argument, Fill(op.Expression, k)));
            }
            case 3:
            {
                var (phrase, function, expression) = random.Pick(ListOps);
                var argument = random.Pick(ListArguments);
                return new AlpacaExample(
                    $"{opening.Returns} {Fill(phrase, argument)}.", "", Define(function, argument, Fill(expression, argument)));
            }
            default:
            {
                var (phrase, function, expression) = random.Pick(StringOps);
                var argument = random.Pick(StringArguments);
                return new AlpacaExample(
                    $"{opening.Returns} {Fill(phrase, argument)}.", "", Define(function, argument, Fill(expression, argument)));
            }
        }
    }

    private static string Define(string function, string parameters, string expression) =>
        $"def {function}({parameters}):\n    return {expression}";

    // Plain replacement, not string.Format: no culture, and braces in Python never clash.
    private static string Fill(string template, string first, string second = "") =>
        template.Replace("{0}", first, StringComparison.Ordinal).Replace("{1}", second, StringComparison.Ordinal);
}
