using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace Cora.Actors.Serialization;

/// <summary>
/// Akka's Newtonsoft JSON serializer (id 1, the <c>json</c> one) reading data only. Whatever a
/// peer sends with this id is read, so two ways for the sender to pick a type are closed: a
/// <c>$type</c> inside the JSON (reference.conf turns <c>encode-type-names</c> off, so it is
/// plain data) and the message's manifest, which Akka resolves to a type and Newtonsoft would
/// construct and fill — refused here. Cora's messages travel as <see cref="CoraJsonSerializer"/>
/// and Akka's own have their own serializers; this one sends no manifest, so nothing legitimate
/// arrives with one.
/// </summary>
public sealed class DataOnlyJsonSerializer(ExtendedActorSystem system, Config config) : NewtonSoftJsonSerializer(system, config)
{
    public override object FromBinary(byte[] bytes, Type type)
    {
        if (type is not null && type != typeof(object))
            throw new SerializationException($"refused JSON for type {type.FullName}: JSON from a peer is read as data only, never as a type it names");
        return base.FromBinary(bytes, type!);
    }
}
