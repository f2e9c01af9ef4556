using Akka.Configuration.Hocon;
using Cora.Training;

namespace Cora.Actors.Grids;

/// <summary>
/// A strict view of one HOCON object: typed getters that name the full path of a bad value, and
/// <see cref="RejectUnknownKeys"/> so a typo (<c>learning-rte</c>) is an error, not a silent default.
/// </summary>
public sealed class HoconNode
{
    private readonly HoconObject _object;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public HoconNode(HoconObject value, string path, string source)
    {
        _object = value;
        Path = path;
        Source = source;
    }

    /// <summary>Where this object sits, e.g. <c>grid.training</c>.</summary>
    public string Path { get; }

    /// <summary>The file it came from, for messages.</summary>
    public string Source { get; }

    public string PathOf(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public InvalidInputException Error(string key, string message) => new($"{Source}: {PathOf(key)}: {message}");

    public bool Has(string key) => _object.Items.ContainsKey(key);

    private HoconValue? Raw(string key)
    {
        _read.Add(key);
        return _object.Items.TryGetValue(key, out var value) && !IsEmpty(value) ? value : null;
    }

    private static bool IsEmpty(HoconValue value) => value.Values.Count == 0 || (value.IsString() && value.GetString() is null);

    private HoconValue Required(string key) => Raw(key) ?? throw Error(key, "missing");

    public string GetString(string key) => Scalar(key, Required(key));

    public string? GetOptionalString(string key) => Raw(key) is { } v ? Scalar(key, v) : null;

    public string GetString(string key, string fallback) => GetOptionalString(key) ?? fallback;

    public int GetInt(string key, int fallback) => Raw(key) is { } v ? ParseInt(key, Scalar(key, v)) : fallback;

    public int? GetOptionalInt(string key) => Raw(key) is { } v ? ParseInt(key, Scalar(key, v)) : null;

    public double GetDouble(string key, double fallback) => Raw(key) is { } v ? ParseDouble(key, Scalar(key, v)) : fallback;

    public bool GetBool(string key, bool fallback)
    {
        if (Raw(key) is not { } v) return fallback;
        return Scalar(key, v) switch
        {
            "true" or "on" or "yes" => true,
            "false" or "off" or "no" => false,
            var text => throw Error(key, $"expected true or false, got \"{text}\""),
        };
    }

    /// <summary>A duration such as <c>90s</c>, <c>10m</c>, <c>2h</c> (HOCON duration units).</summary>
    public TimeSpan GetDuration(string key, TimeSpan fallback)
    {
        if (Raw(key) is not { } v) return fallback;
        try
        {
            return v.GetTimeSpan();
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidOperationException)
        {
            throw Error(key, $"expected a duration like 90s, 10m or 2h, got \"{Scalar(key, v)}\"");
        }
    }

    public IReadOnlyList<string> GetStrings(string key) => List(key, (item, path) => item.IsString()
        ? item.GetString()
        : throw new InvalidInputException($"{Source}: {path}: expected a string"));

    public IReadOnlyList<string> GetStrings(string key, IReadOnlyList<string> fallback) => Has(key) ? GetStrings(key) : fallback;

    public IReadOnlyList<int> GetInts(string key) => List(key, (item, path) =>
        item.IsString() && int.TryParse(item.GetString(), out var n) ? n : throw new InvalidInputException($"{Source}: {path}: expected an integer"));

    public IReadOnlyList<int> GetInts(string key, IReadOnlyList<int> fallback) => Has(key) ? GetInts(key) : fallback;

    public IReadOnlyList<HoconNode> GetObjects(string key) => List(key, (item, path) => item.IsObject()
        ? new HoconNode(item.GetObject(), path, Source)
        : throw new InvalidInputException($"{Source}: {path}: expected an object {{ … }}"));

    public HoconNode GetObject(string key)
    {
        var value = Raw(key);
        if (value is null) return new HoconNode(new HoconObject(), PathOf(key), Source);
        if (!value.IsObject()) throw Error(key, "expected an object { … }");
        return new HoconNode(value.GetObject(), PathOf(key), Source);
    }

    /// <summary>Fails on the first key that no getter asked for; call after reading everything.</summary>
    public void RejectUnknownKeys()
    {
        var unknown = _object.Items.Keys.Where(k => !_read.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
            throw Error(unknown[0], $"unknown key (known here: {string.Join(", ", _read.Order(StringComparer.Ordinal))})");
    }

    private List<T> List<T>(string key, Func<HoconValue, string, T> item)
    {
        var value = Required(key);
        var items = AsArray(value) ?? throw Error(key, "expected a list [ … ]");
        return items.Select((v, i) => item(v, $"{PathOf(key)}[{i}]")).ToList();
    }

    /// <summary>The items of a list value. Akka's <c>IsArray</c> is false for an empty list (<c>[]</c>,
    /// parsed as an empty array plus whitespace), so the parts are inspected directly.</summary>
    private static List<HoconValue>? AsArray(HoconValue value)
    {
        if (value.IsArray()) return value.GetArray().ToList();
        var arrays = value.Values.OfType<HoconArray>().ToList();
        var rest = value.Values.Where(v => v is not HoconArray).ToList();
        return arrays.Count > 0 && rest.All(v => v is HoconLiteral literal && string.IsNullOrWhiteSpace(literal.Value))
            ? arrays.SelectMany(a => a).ToList()
            : null;
    }

    private string Scalar(string key, HoconValue value) =>
        value.IsString() ? value.GetString() : throw Error(key, "expected a single value, not an object or list");

    private int ParseInt(string key, string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n : throw Error(key, $"expected an integer, got \"{text}\"");

    private double ParseDouble(string key, string text) =>
        double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var x) && double.IsFinite(x)
            ? x : throw Error(key, $"expected a number, got \"{text}\"");
}
