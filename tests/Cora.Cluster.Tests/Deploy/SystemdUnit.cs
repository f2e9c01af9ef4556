namespace Cora.Cluster.Tests.Deploy;

/// <summary>
/// A systemd unit file read as systemd reads it: <c>[Section]</c> headers, <c>Key=value</c>
/// lines (a key may repeat), <c>#</c>/<c>;</c> comments, a trailing backslash continuing a line.
/// </summary>
public sealed class SystemdUnit
{
    private readonly Dictionary<(string Section, string Key), List<string>> _values = [];

    private SystemdUnit(string path) => Path = path;

    public string Path { get; }

    public static SystemdUnit Load(string path)
    {
        var unit = new SystemdUnit(path);
        var section = "";
        var pending = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = pending + raw.Trim();
            pending = "";
            if (line.EndsWith('\\'))
            {
                pending = line[..^1] + " ";
                continue;
            }
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[')
            {
                section = line.Trim('[', ']');
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0) throw new FormatException($"{path}: not a Key=value line: {line}");
            var key = (section, line[..equals].Trim());
            if (!unit._values.TryGetValue(key, out var list)) unit._values[key] = list = [];
            list.Add(line[(equals + 1)..].Trim());
        }
        return unit;
    }

    /// <summary>Every value given to the key, in file order (empty when it is not set).</summary>
    public IReadOnlyList<string> All(string section, string key) =>
        _values.TryGetValue((section, key), out var list) ? list : [];

    /// <summary>The value systemd uses for a single-valued key: the last one.</summary>
    public string? Get(string section, string key) => All(section, key) is [.., var last] ? last : null;

    /// <summary>The key's values split on whitespace, over all its lines (ReadWritePaths=, …).</summary>
    public IReadOnlyList<string> Words(string section, string key) =>
        [.. All(section, key).SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries))];
}
