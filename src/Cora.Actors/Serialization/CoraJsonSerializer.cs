using System.Text;
using System.Text.Json;
using Akka.Actor;
using System.Runtime.Serialization;
using Akka.Serialization;

namespace Cora.Actors.Serialization;

/// <summary>
/// JSON for Cora's messages and events, with a stable manifest name per type (never the CLR type
/// name, so classes can move). Version-tolerant by construction: unknown JSON properties are
/// ignored (an older node reads a newer event) and a missing property takes its default (a newer
/// node replays an event written before the property existed) — which is why fields added to a
/// persisted record must be optional, with a default.
/// </summary>
public sealed class CoraJsonSerializer : SerializerWithStringManifest
{
    /// <summary>Akka serializer id; ids below 100 are Akka's own.</summary>
    public const int Id = 4217;

    public static readonly JsonSerializerOptions Options = new()
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip,
    };

    public CoraJsonSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    public override int Identifier => Id;

    public override string Manifest(object o) => MessageManifests.NameOf(o.GetType());

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Options);

    public override object FromBinary(byte[] bytes, string manifest) => Read(bytes, manifest);

    /// <summary>Reads one message; public for tests that feed it JSON written by older code.</summary>
    public static object Read(ReadOnlySpan<byte> json, string manifest)
    {
        var type = MessageManifests.TypeOf(manifest);
        return JsonSerializer.Deserialize(json, type, Options)
            ?? throw new SerializationException($"manifest {manifest}: the payload is JSON null");
    }

    public static string Write(object message) => Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(message, message.GetType(), Options));
}
