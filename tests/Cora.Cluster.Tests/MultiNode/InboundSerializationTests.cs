using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Cora.Actors;
using Cora.Actors.Serialization;
using Cora.Cluster.Hosting;

namespace Cora.Cluster.Tests.MultiNode;

/// <summary>
/// What a peer may make a node instantiate: Akka's JSON serializer (id 1, bound to System.Object)
/// reads whatever arrives with its id, so a node must honour neither a <c>$type</c> name in that
/// JSON nor a type named by the message's manifest (a peer could otherwise build any type it
/// names), and nothing Cora sends may fall back to it.
/// </summary>
public sealed class InboundSerializationTests
{
    private const int NewtonsoftId = 1;

    [Fact]
    public async Task A_node_does_not_instantiate_a_type_named_in_json_from_a_peer()
    {
        using var temp = new TempDirectory();
        var config = NodeConfig.Build(Path.Combine(Fixtures.Repository, "hocon", "node.conf"), ["coordinator"], null, 0, [],
            temp.File("journal.db"), null, null, singleNode: true, insecure: true).WithFallback(CoraConfig.Reference);
        var system = ActorSystem.Create("cora", config);
        try
        {
            var serialization = ((ExtendedActorSystem)system).Serialization;
            // The json serializer is still what a type names when it asks for it (Akka.Persistence does).
            var named = serialization.FindSerializerForType(typeof(Uri), "json");
            Assert.IsType<DataOnlyJsonSerializer>(named);
            Assert.Equal(NewtonsoftId, named.Identifier);
            var canary = typeof(Canary).AssemblyQualifiedName!;
            var json = Encoding.UTF8.GetBytes($$"""{"$type":"{{canary}}","Name":"from a peer"}""");
            var nested = Encoding.UTF8.GetBytes($$"""{"Inner":{"$type":"{{canary}}","Name":"from a peer"},"Items":[{"$type":"{{canary}}"}]}""");

            // A payload without a manifest (as Newtonsoft sends them) and one naming System.Object.
            var read = serialization.Deserialize(json, NewtonsoftId, "");
            Assert.IsNotType<Canary>(read);
            read = serialization.Deserialize(json, NewtonsoftId, typeof(object).AssemblyQualifiedName!);
            Assert.IsNotType<Canary>(read);
            read = serialization.Deserialize(nested, NewtonsoftId, "");
            Assert.IsNotType<Canary>(read);
            // Nor the type the message's manifest names (Akka resolves it; Newtonsoft would build it).
            var refused = Assert.Throws<SerializationException>(() => serialization.Deserialize(json, NewtonsoftId, canary));
            Assert.Contains("refused JSON for type", refused.Message);
            Assert.Throws<SerializationException>(() => serialization.Deserialize(nested, NewtonsoftId, typeof(Holder).AssemblyQualifiedName!));
            Assert.Equal(0, Canary.Made);
            Assert.Equal(0, Holder.Made);

            // The control: with Akka's own settings the same bytes build what they name.
            var plain = ActorSystem.Create("plain", "akka.loglevel = WARNING");
            try
            {
                var akkaDefault = ((ExtendedActorSystem)plain).Serialization;
                Assert.IsType<Canary>(akkaDefault.Deserialize(json, NewtonsoftId, ""));
                Assert.IsType<Holder>(akkaDefault.Deserialize(nested, NewtonsoftId, typeof(Holder).AssemblyQualifiedName!));
                Assert.True(Canary.Made > 0 && Holder.Made > 0);
            }
            finally
            {
                await plain.Terminate();
            }

            // Outbound, a type without a serializer binding is an error, not Newtonsoft JSON.
            var error = Assert.Throws<SerializationException>(() => serialization.FindSerializerFor(new Version(1, 0)));
            Assert.Contains("No serializer binding found for type Version", error.Message);
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>Counts its instances: any at all means a type name from the wire was honoured.</summary>
    public sealed class Canary
    {
        public static int Made { get => _made; set => _made = value; }
        private static int _made;

        public Canary() => Interlocked.Increment(ref _made);

        public string? Name { get; set; }
    }

    public sealed class Holder
    {
        public static int Made { get => _made; set => _made = value; }
        private static int _made;

        public Holder() => Interlocked.Increment(ref _made);

        public object? Inner { get; set; }
        public List<object>? Items { get; set; }
    }
}
