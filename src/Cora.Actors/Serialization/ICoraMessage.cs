namespace Cora.Actors.Serialization;

/// <summary>
/// Marks every message and persisted event Cora's actors exchange. The type binds it to
/// <see cref="CoraJsonSerializer"/> (HOCON <c>serialization-bindings</c> in reference.conf), so
/// nothing of ours ever goes through Akka's default serializer; each concrete type must also be
/// listed in <see cref="MessageManifests"/> under a stable name.
/// </summary>
public interface ICoraMessage;
