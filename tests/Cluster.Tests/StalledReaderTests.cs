using Grpc.Core;
using SmolLM3.Contracts.V1;
using SmolLM3.Hosting;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>A cluster whose gateway ends a stream after 3 s of a client reading nothing while the reply waits.</summary>
public sealed class StalledReaderClusterFixture : ClusterFixture
{
    protected override EmbeddedClusterOptions Customize(EmbeddedClusterOptions options) => options with
    {
        Configuration = new Dictionary<string, string?>(options.Configuration) { ["SmolLM3:StalledReaderTimeout"] = "00:00:03" },
    };
}

/// <summary>
/// A client that opens a stream and never reads it: once the reply fills what the connection buffers, the gateway
/// ends the call, the turn stops on its silo, and the tenant's only stream slot comes back. The client, reading at
/// last, finds the stream reset by the server (CANCELLED): a status cannot pass the data it never read.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class StalledReaderTests(StalledReaderClusterFixture cluster) : IClassFixture<StalledReaderClusterFixture>
{
    const int MaxTokens = 60_000;

    ChatRequest Turn(string text, int maxTokens) => new()
    {
        Messages = { new ChatMessage { Role = "user", Content = text } },
        Sampling = new SamplingParameters { Temperature = 0, MaxTokens = maxTokens },
    };

    [SkippableFact]
    public async Task A_client_that_never_reads_its_stream_loses_the_call_and_its_tenant_gets_the_slot_back()
    {
        await cluster.StartAsync();
        using var stalled = cluster.Client.StreamChat(Turn("Talk for a long time", MaxTokens), Auth(KeyStreams));
        Assert.True(await stalled.ResponseStream.MoveNext(CancellationToken.None));   // Started: it holds the tenant's one slot

        // The tenant's next stream is refused while the first holds the slot, and served once the gateway ended it.
        var deadline = DateTime.UtcNow.AddMinutes(3);
        TurnResult? next = null;
        while (next is null)
        {
            try { next = await TurnResult.ReadAsync(cluster.Client.StreamChat(Turn("My turn?", 2), Auth(KeyStreams))); }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                Assert.True(DateTime.UtcNow < deadline, "the unread stream still holds the tenant's slot after 3 minutes");
                await Task.Delay(500);
            }
        }
        Assert.Equal(2, next.Usage.CompletionTokens);

        int events = 1;
        var ended = await Assert.ThrowsAsync<RpcException>(async () => { while (await stalled.ResponseStream.MoveNext(CancellationToken.None)) events++; });
        Assert.True(ended.StatusCode == StatusCode.Cancelled && ended.Status.Detail.Contains("server reset the stream"), $"{ended.StatusCode}: {ended.Status.Detail}");
        Assert.True(events < MaxTokens, $"{events} events: the reply was not cut");
        for (var idle = DateTime.UtcNow.AddSeconds(30); cluster.Scheduler.Stats.ActiveSequences > 0; await Task.Delay(100))
            Assert.True(DateTime.UtcNow < idle, "the unread turn is still generating on its silo");
    }
}
