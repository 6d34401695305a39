using Grpc.Core;
using Grpc.Net.Client;
using SmolLM3.Hosting;
using SmolLM3.Contracts.V1;
using SmolLM3.Engine.Model;

namespace SmolLM3.Cluster.Tests;

/// <summary>With a data folder, sessions and their KV outlive the process: a restarted cluster continues them from the spill tier.</summary>
[Collection(ClusterCollection.Name)]   // one cluster at a time on this 2-core machine
public sealed class RestartTests : IDisposable
{
    readonly string _data = Directory.CreateTempSubdirectory("smollm3-data-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    static readonly Metadata Auth = new() { { "x-api-key", "restart-key" } };

    async Task<T> WithClusterAsync<T>(string model, Func<Chat.ChatClient, Task<T>> use)
    {
        await using var app = EmbeddedCluster.Build(new EmbeddedClusterOptions(model)
        {
            GrpcPort = 0,
            HttpPort = 0,
            SiloPort = 0,
            OrleansGatewayPort = 0,
            DataFolder = _data,
            ApiKeys = new Dictionary<string, string> { ["restart-key"] = "tenant-r" },
        });
        await app.StartAsync();
        try
        {
            using var channel = GrpcChannel.ForAddress(app.Address());
            return await use(new Chat.ChatClient(channel));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    static ChatRequest Turn(string session, string text) => ChatRequests.Greedy(session, text, 6);

    [SkippableFact]
    public async Task ASessionContinuesAfterTheClusterRestartsFromItsSpilledKv()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        var (session, firstPrompt) = await WithClusterAsync(model, async chat =>
        {
            var id = (await chat.CreateSessionAsync(new CreateSessionRequest(), Auth)).SessionId;
            var first = await TurnResult.ReadAsync(chat.StreamChat(Turn(id, "Remember me"), Auth));
            return (id, first.Started!.PromptTokens);
        });
        Assert.NotEmpty(Directory.GetFiles(_data, "*.state", SearchOption.AllDirectories));

        await WithClusterAsync(model, async chat =>
        {
            var info = await chat.GetSessionAsync(new GetSessionRequest { SessionId = session }, Auth);
            Assert.Equal(2, info.MessageCount);   // the user turn and the reply, read back from the folder
            Assert.Equal(0, info.CachedTokens);    // no activation holds a cache yet
            var second = await TurnResult.ReadAsync(chat.StreamChat(Turn(session, "Still there?"), Auth));
            // the whole transcript is in the second prompt, so it is longer than the first
            Assert.True(second.Started!.PromptTokens > firstPrompt, $"{second.Started.PromptTokens} vs {firstPrompt}");
            // the stopping silo spilled its KV under the data folder: the first prompt's whole blocks are read back
            int block = KvBlockPool.DefaultBlockTokens;
            Assert.True(second.Started.CachedTokens >= firstPrompt / block * block, $"{second.Started.CachedTokens} cached, first prompt {firstPrompt}");
            return 0;
        });
    }
}
