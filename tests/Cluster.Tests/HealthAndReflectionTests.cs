using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;

namespace SmolLM3.Cluster.Tests;

/// <summary>Probes and tools reach the standard gRPC services without an API key.</summary>
[Collection(ClusterCollection.Name)]
public sealed class HealthAndReflectionTests(ClusterFixture cluster)
{
    [SkippableFact]
    public async Task HealthIsServingWithoutAnApiKey()
    {
        await cluster.StartAsync();
        var health = new Health.HealthClient(cluster.Channel);
        var reply = await health.CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        var live = await health.CheckAsync(new HealthCheckRequest { Service = Gateway.Hosting.GatewayHostingExtensions.Liveness });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, live.Status);
    }

    [SkippableFact]
    public async Task ReflectionListsTheChatService()
    {
        await cluster.StartAsync();
        var reflection = new ServerReflection.ServerReflectionClient(cluster.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("smollm3.v1.Chat", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }
}
