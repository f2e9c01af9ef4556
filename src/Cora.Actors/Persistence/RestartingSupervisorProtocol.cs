using Cora.Actors.Serialization;

namespace Cora.Actors.Persistence;

/// <summary>Messages a <see cref="RestartingSupervisor"/> answers itself instead of forwarding
/// them to its child.</summary>
public interface IRestartingSupervisorMessage : ICoraMessage;

/// <summary>Reply: <see cref="SupervisorPong"/>, from the supervisor, whether its child runs or
/// waits out a restart backoff. Sent through a cluster singleton proxy, an answer says that the
/// proxy has found the singleton and reaches it (a proxy holds messages back until it has); it
/// says nothing about the journal. Akka's <c>Identify</c> cannot say this: the proxy itself would
/// answer it.</summary>
public sealed record SupervisorPing : IRestartingSupervisorMessage
{
    public static readonly SupervisorPing Instance = new();
}

public sealed record SupervisorPong : IRestartingSupervisorMessage
{
    public static readonly SupervisorPong Instance = new();
}
