using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Cora.Training.IO;

namespace Cora.Training.Model;

/// <summary>
/// How rotary position embeddings turn positions into angles: transformers' <c>rope_type</c>,
/// <c>rope_theta</c> and the type's scaling parameters. Immutable; <see cref="Validated"/> names the
/// key at fault. Only the parameters <see cref="Type"/> uses are set (the others are null), so two
/// descriptions of the same embedding are equal records.
/// </summary>
/// <remarks>
/// A config states this in one of two ways: transformers up to 4.x writes <c>rope_theta</c> at the
/// top and the scaling in <c>rope_scaling</c> (null for the default RoPE; <c>type</c> instead of
/// <c>rope_type</c> before 4.43); transformers 5 writes one <c>rope_parameters</c> object holding
/// <c>rope_type</c>, <c>rope_theta</c> and the scaling keys. <see cref="FromConfig"/> reads both.
/// </remarks>
public sealed record RopeParameters
{
    public RopeType Type { get; init; } = RopeType.Default;

    /// <summary>The base of the frequencies <c>1 / theta^(2i/head_dim)</c> (<c>rope_theta</c>).</summary>
    public double Theta { get; init; } = 10000.0;

    /// <summary>linear, llama3: how much longer the context is meant to be; slow frequencies are divided by it.</summary>
    public double? Factor { get; init; }

    /// <summary>llama3: wavelengths above original_max_position_embeddings / low_freq_factor are divided by factor.</summary>
    public double? LowFreqFactor { get; init; }

    /// <summary>llama3: wavelengths below original_max_position_embeddings / high_freq_factor are kept.</summary>
    public double? HighFreqFactor { get; init; }

    /// <summary>llama3: the context length the model was pretrained with.</summary>
    public int? OriginalMaxPositionEmbeddings { get; init; }

    /// <summary>Each implemented type: its <c>rope_type</c> name and the parameters it takes.</summary>
    private static readonly (RopeType Type, string Name, string[] Keys)[] Types =
    [
        (RopeType.Default, "default", []),
        (RopeType.Linear, "linear", ["factor"]),
        (RopeType.Llama3, "llama3", ["factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"]),
    ];

    /// <summary>
    /// Keys any RoPE object may hold besides the type's parameters: the type (<c>type</c> is its name
    /// before transformers 4.43), theta, and <c>partial_rotary_factor</c> (accepted only at 1).
    /// </summary>
    private static readonly string[] CommonKeys = ["rope_type", "type", "rope_theta", "partial_rotary_factor"];

    /// <summary>The <c>rope_type</c> name transformers gives this type (JSON output has it as <c>type</c>).</summary>
    [JsonIgnore]
    public string Name => Entry(Type).Name;

    private static (RopeType Type, string Name, string[] Keys) Entry(RopeType type) => Types.Single(t => t.Type == type);

    /// <summary>The parameters by their config key; null where the type does not use one.</summary>
    private (string Key, object? Value)[] Parameters() =>
    [
        ("factor", Factor),
        ("low_freq_factor", LowFreqFactor),
        ("high_freq_factor", HighFreqFactor),
        ("original_max_position_embeddings", OriginalMaxPositionEmbeddings),
    ];

    /// <summary>Checks that the type's parameters, and only those, are set and in range; returns this.</summary>
    /// <param name="source">The file (or other origin) errors name.</param>
    /// <param name="thetaKey">The key theta came from, as errors name it.</param>
    /// <param name="scalingKey">The object the parameters came from, as errors name it.</param>
    public RopeParameters Validated(string source = "config", string thetaKey = "rope_theta", string scalingKey = "rope_scaling")
    {
        if (!(double.IsFinite(Theta) && Theta > 0))
            throw new InvalidInputException($"{source}: {thetaKey} must be positive (got {Theta})");
        var takes = Entry(Type).Keys;
        foreach (var (key, value) in Parameters())
        {
            if (value is null && takes.Contains(key))
                throw new InvalidInputException($"{source}: missing required key \"{scalingKey}.{key}\" (rope_type \"{Name}\" takes {string.Join(", ", takes)})");
            if (value is not null && !takes.Contains(key))
                throw new InvalidInputException($"{source}: {scalingKey}.{key} is set, but rope_type \"{Name}\" does not use it");
        }
        if (Factor is { } factor && !(double.IsFinite(factor) && factor >= 1))
            throw new InvalidInputException($"{source}: {scalingKey}.factor must be ≥ 1 (got {factor})");
        if (LowFreqFactor is { } low && !(double.IsFinite(low) && low > 0))
            throw new InvalidInputException($"{source}: {scalingKey}.low_freq_factor must be positive (got {low})");
        // Equal factors would divide by zero in the blend between the two bands.
        if (HighFreqFactor is { } high && !(double.IsFinite(high) && high > LowFreqFactor))
            throw new InvalidInputException($"{source}: {scalingKey}.high_freq_factor must be greater than low_freq_factor {LowFreqFactor} (got {high})");
        if (OriginalMaxPositionEmbeddings is { } original && original <= 0)
            throw new InvalidInputException($"{source}: {scalingKey}.original_max_position_embeddings must be positive (got {original})");
        return this;
    }

    /// <summary>For people: <c>llama3 (theta 500000, factor 8, …)</c>.</summary>
    public string Describe() =>
        $"{Name} (theta {Theta:G}{string.Concat(Parameters().Where(p => p.Value is not null).Select(p => $", {p.Key} {p.Value}"))})";

    /// <summary>
    /// The <c>rope_scaling</c> object transformers 4 writes for this embedding (null for the default
    /// RoPE), keys sorted. Theta goes in <c>rope_theta</c> beside it: transformers 4 reads only that
    /// layout, and transformers 5 reads it too.
    /// </summary>
    internal SortedDictionary<string, object>? ScalingJson()
    {
        if (Type == RopeType.Default) return null;
        var values = new SortedDictionary<string, object>(StringComparer.Ordinal) { ["rope_type"] = Name };
        foreach (var (key, value) in Parameters())
        {
            if (value is not null) values[key] = value;
        }
        return values;
    }

    /// <summary>
    /// Reads the RoPE of a <c>config.json</c> in either layout (see the remarks). Refuses, naming the
    /// key: a type Cora does not implement, a key of the RoPE object Cora does not understand,
    /// <c>partial_rotary_factor</c> other than 1, and two statements of one value that disagree
    /// (<c>rope_theta</c> and <c>rope_parameters.rope_theta</c>; <c>rope_scaling</c> and
    /// <c>rope_parameters</c>).
    /// </summary>
    internal static RopeParameters FromConfig(JsonObject config, string source)
    {
        var theta = new ConfigReader(config, source).OptionalDouble("rope_theta");
        var scaling = Section(config, "rope_scaling", theta, source);
        var parameters = Section(config, "rope_parameters", theta, source);
        if (scaling is not null && parameters is not null && scaling != parameters)
            throw new InvalidInputException($"{source}: rope_scaling and rope_parameters disagree ({scaling.Describe()} vs {parameters.Describe()}); keep one");
        return parameters ?? scaling ?? new RopeParameters { Theta = theta ?? 10000.0 }.Validated(source);
    }

    /// <summary>The RoPE a <c>rope_scaling</c> or <c>rope_parameters</c> object states; null when absent or null.</summary>
    private static RopeParameters? Section(JsonObject config, string key, double? topTheta, string source)
    {
        var node = config[key];
        if (node is null) return null;
        var section = node as JsonObject
            ?? throw new InvalidInputException($"{source}: key \"{key}\" must be an object or null (got {node.ToJsonString()})");
        var reader = new ConfigReader(section, source, key + ".");

        var ropeType = reader.String("rope_type", null);
        var legacyType = reader.String("type", null);
        if (ropeType is not null && legacyType is not null && ropeType != legacyType)
            throw new InvalidInputException($"{source}: {key}.rope_type \"{ropeType}\" and {key}.type \"{legacyType}\" disagree");
        var typeKey = $"{key}.{(ropeType is null && legacyType is not null ? "type" : "rope_type")}";
        var name = ropeType ?? legacyType ?? "default";
        if (!Types.Any(t => t.Name == name))
            throw new InvalidInputException($"{source}: {typeKey} \"{name}\" is not supported (Cora implements {string.Join(", ", Types.Select(t => t.Name))})");
        var (type, _, takes) = Types.Single(t => t.Name == name);

        var unknown = section.Select(p => p.Key).Where(k => !CommonKeys.Contains(k) && !takes.Contains(k)).Select(k => $"{key}.{k}").ToList();
        if (unknown.Count > 0)
            throw LlamaConfigKeys.NotUnderstood(source, unknown, $" (rope_type \"{name}\" takes {(takes.Length == 0 ? "no parameters" : string.Join(", ", takes))})");
        var partial = reader.OptionalDouble("partial_rotary_factor");
        if (partial is not null and not 1.0)
            throw new InvalidInputException($"{source}: {key}.partial_rotary_factor {partial} is not supported (Cora rotates the whole head: 1)");
        var theta = reader.OptionalDouble("rope_theta");
        if (theta is not null && topTheta is not null && theta != topTheta)
            throw new InvalidInputException($"{source}: rope_theta {topTheta} and {key}.rope_theta {theta} disagree; keep one");

        return new RopeParameters
        {
            Type = type,
            Theta = theta ?? topTheta ?? 10000.0,
            Factor = takes.Contains("factor") ? reader.Double("factor") : null,
            LowFreqFactor = takes.Contains("low_freq_factor") ? reader.Double("low_freq_factor") : null,
            HighFreqFactor = takes.Contains("high_freq_factor") ? reader.Double("high_freq_factor") : null,
            OriginalMaxPositionEmbeddings = takes.Contains("original_max_position_embeddings") ? reader.Int("original_max_position_embeddings") : null,
        }.Validated(source, thetaKey: theta is not null ? $"{key}.rope_theta" : "rope_theta", scalingKey: key);
    }
}
