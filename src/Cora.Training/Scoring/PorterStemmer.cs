namespace Cora.Training.Scoring;

/// <summary>
/// NLTK 3.8's Porter stemmer in its default mode, NLTK_EXTENSIONS: Porter (1980) plus Martin
/// Porter's later changes and NLTK's own (a pool of irregular forms, "ies"/"ied" on 4-letter
/// words, "alli" stripped before the step 2 rules, "fulli" and "logi" rules, a 2-letter vc word
/// counting as cvc, y→i only after a consonant). Words of up to 2 characters are left alone.
/// Input must already be lowercase ASCII (the ROUGE tokenizer guarantees it).
/// </summary>
public static class PorterStemmer
{
    /// <summary>A step's rule: when the word ends with <see cref="Suffix"/>, replace it by <see cref="Replacement"/> if <see cref="Condition"/> holds for what precedes it.</summary>
    private sealed record Rule(string Suffix, string Replacement, Func<string, bool>? Condition = null);

    private static readonly Dictionary<string, string> Irregular = new(StringComparer.Ordinal)
    {
        ["sky"] = "sky", ["skies"] = "sky",
        ["dying"] = "die", ["lying"] = "lie", ["tying"] = "tie",
        ["news"] = "news",
        ["innings"] = "inning", ["inning"] = "inning",
        ["outings"] = "outing", ["outing"] = "outing",
        ["cannings"] = "canning", ["canning"] = "canning",
        ["howe"] = "howe",
        ["proceed"] = "proceed", ["exceed"] = "exceed", ["succeed"] = "succeed",
    };

    private static readonly Rule[] Step1aRules =
    [
        new("sses", "ss"), new("ies", "i"), new("ss", "ss"), new("s", ""),
    ];

    private static readonly Rule[] Step2Rules =
    [
        new("ational", "ate", PositiveMeasure), new("tional", "tion", PositiveMeasure),
        new("enci", "ence", PositiveMeasure), new("anci", "ance", PositiveMeasure),
        new("izer", "ize", PositiveMeasure), new("bli", "ble", PositiveMeasure),
        new("alli", "al", PositiveMeasure), new("entli", "ent", PositiveMeasure),
        new("eli", "e", PositiveMeasure), new("ousli", "ous", PositiveMeasure),
        new("ization", "ize", PositiveMeasure), new("ation", "ate", PositiveMeasure),
        new("ator", "ate", PositiveMeasure), new("alism", "al", PositiveMeasure),
        new("iveness", "ive", PositiveMeasure), new("fulness", "ful", PositiveMeasure),
        new("ousness", "ous", PositiveMeasure), new("aliti", "al", PositiveMeasure),
        new("iviti", "ive", PositiveMeasure), new("biliti", "ble", PositiveMeasure),
        new("fulli", "ful", PositiveMeasure),
        // The 'l' of "logi" stays with the stem for the measure (Barry Wilkins), so "geologi" → "geolog".
        new("logi", "log", stem => PositiveMeasure(stem + "l")),
    ];

    private static readonly Rule[] Step3Rules =
    [
        new("icate", "ic", PositiveMeasure), new("ative", "", PositiveMeasure),
        new("alize", "al", PositiveMeasure), new("iciti", "ic", PositiveMeasure),
        new("ical", "ic", PositiveMeasure), new("ful", "", PositiveMeasure),
        new("ness", "", PositiveMeasure),
    ];

    private static readonly Rule[] Step4Rules =
    [
        new("al", "", MeasureAboveOne), new("ance", "", MeasureAboveOne),
        new("ence", "", MeasureAboveOne), new("er", "", MeasureAboveOne),
        new("ic", "", MeasureAboveOne), new("able", "", MeasureAboveOne),
        new("ible", "", MeasureAboveOne), new("ant", "", MeasureAboveOne),
        new("ement", "", MeasureAboveOne), new("ment", "", MeasureAboveOne),
        new("ent", "", MeasureAboveOne),
        new("ion", "", stem => MeasureAboveOne(stem) && stem[^1] is 's' or 't'),
        new("ou", "", MeasureAboveOne), new("ism", "", MeasureAboveOne),
        new("ate", "", MeasureAboveOne), new("iti", "", MeasureAboveOne),
        new("ous", "", MeasureAboveOne), new("ive", "", MeasureAboveOne),
        new("ize", "", MeasureAboveOne),
    ];

    /// <summary>The stem of a lowercase word.</summary>
    public static string Stem(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (Irregular.TryGetValue(word, out var irregular)) return irregular;
        if (word.Length <= 2) return word;
        var stem = Step1a(word);
        stem = Step1b(stem);
        stem = Step1c(stem);
        stem = Step2(stem);
        stem = Apply(stem, Step3Rules);
        stem = Apply(stem, Step4Rules);
        stem = Step5a(stem);
        return Step5b(stem);
    }

    /// <summary>
    /// The first rule whose suffix ends the word decides: its replacement when the condition holds,
    /// otherwise the word unchanged (later rules are not tried).
    /// </summary>
    private static string Apply(string word, IEnumerable<Rule> rules)
    {
        foreach (var rule in rules)
        {
            if (!word.EndsWith(rule.Suffix, StringComparison.Ordinal)) continue;
            var stem = word[..^rule.Suffix.Length];
            return rule.Condition is null || rule.Condition(stem) ? stem + rule.Replacement : word;
        }
        return word;
    }

    private static string Step1a(string word) =>
        word.Length == 4 && word.EndsWith("ies", StringComparison.Ordinal) ? word[..^3] + "ie" : Apply(word, Step1aRules);

    private static string Step1b(string word)
    {
        if (word.EndsWith("ied", StringComparison.Ordinal))
        {
            return word[..^3] + (word.Length == 4 ? "ie" : "i");
        }
        if (word.EndsWith("eed", StringComparison.Ordinal))
        {
            var root = word[..^3];
            return Measure(root) > 0 ? root + "ee" : word;
        }
        string? stem = null;
        foreach (var suffix in (string[])["ed", "ing"])
        {
            if (word.EndsWith(suffix, StringComparison.Ordinal) && ContainsVowel(word[..^suffix.Length]))
            {
                stem = word[..^suffix.Length];
                break;
            }
        }
        if (stem is null) return word;
        if (stem.EndsWith("at", StringComparison.Ordinal) || stem.EndsWith("bl", StringComparison.Ordinal)
            || stem.EndsWith("iz", StringComparison.Ordinal))
        {
            return stem + "e";
        }
        if (EndsDoubleConsonant(stem))
        {
            // "hopp" → "hop", but "fall", "hiss", "fizz" keep the double letter.
            return stem[^1] is 'l' or 's' or 'z' ? stem : stem[..^1];
        }
        return Measure(stem) == 1 && EndsCvc(stem) ? stem + "e" : stem;
    }

    /// <summary>Final y → i after a consonant that is not the whole stem ("happy" → "happi", "enjoy" and "by" stay).</summary>
    private static string Step1c(string word) =>
        word.EndsWith('y') && word.Length > 2 && IsConsonant(word, word.Length - 2) ? word[..^1] + "i" : word;

    private static string Step2(string word)
    {
        // NLTK strips "alli" → "al" first and runs step 2 again on the result.
        if (word.EndsWith("alli", StringComparison.Ordinal) && PositiveMeasure(word[..^4]))
        {
            return Step2(word[..^4] + "al");
        }
        return Apply(word, Step2Rules);
    }

    private static string Step5b(string word) =>
        word.EndsWith("ll", StringComparison.Ordinal) && Measure(word[..^1]) > 1 ? word[..^1] : word;

    private static string Step5a(string word)
    {
        if (!word.EndsWith('e')) return word;
        var stem = word[..^1];
        var measure = Measure(stem);
        return measure > 1 || (measure == 1 && !EndsCvc(stem)) ? stem : word;
    }

    /// <summary>a, e, i, o, u are vowels; y is a consonant at the start or after a vowel, a vowel after a consonant.</summary>
    private static bool IsConsonant(string word, int i) => word[i] switch
    {
        'a' or 'e' or 'i' or 'o' or 'u' => false,
        'y' => i == 0 || !IsConsonant(word, i - 1),
        _ => true,
    };

    /// <summary>Porter's m: how many vowel-run → consonant-run transitions the word has ([C](VC)^m[V]).</summary>
    private static int Measure(string stem)
    {
        var m = 0;
        for (var i = 1; i < stem.Length; i++)
        {
            if (IsConsonant(stem, i) && !IsConsonant(stem, i - 1)) m++;
        }
        return m;
    }

    private static bool PositiveMeasure(string stem) => Measure(stem) > 0;

    private static bool MeasureAboveOne(string stem) => Measure(stem) > 1;

    private static bool ContainsVowel(string stem)
    {
        for (var i = 0; i < stem.Length; i++)
        {
            if (!IsConsonant(stem, i)) return true;
        }
        return false;
    }

    private static bool EndsDoubleConsonant(string word) =>
        word.Length >= 2 && word[^1] == word[^2] && IsConsonant(word, word.Length - 1);

    /// <summary>Consonant-vowel-consonant with the last not w, x or y; NLTK also counts a 2-letter vowel-consonant word.</summary>
    private static bool EndsCvc(string word) =>
        (word.Length >= 3
            && IsConsonant(word, word.Length - 3)
            && !IsConsonant(word, word.Length - 2)
            && IsConsonant(word, word.Length - 1)
            && word[^1] is not ('w' or 'x' or 'y'))
        || (word.Length == 2 && !IsConsonant(word, 0) && IsConsonant(word, 1));
}
