namespace SmolLM3.Client.Tests;

/// <summary>The client tests share one cluster and run one after another (the scripted reply is global).</summary>
[CollectionDefinition(Name)]
public sealed class ClientCollection : ICollectionFixture<ClientClusterFixture>
{
    public const string Name = "client";
}
