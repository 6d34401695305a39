using Grpc.Core;
using SmolLM3.Contracts.V1;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>Stop strings, the cache after a cut-short turn, and deleting sessions, over loopback gRPC.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SessionLifecycleTests(ClusterFixture cluster)
{
    static ChatRequest Turn(string sessionId, string text, params string[] stop) => new()
    {
        SessionId = sessionId,
        Messages = { new ChatMessage { Role = "user", Content = text } },
        Sampling = new SamplingParameters { Temperature = 0, MaxTokens = 16, Stop = { stop } },
    };

    async Task<string> NewSessionAsync() =>
        (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(KeyA))).SessionId;

    [SkippableFact]
    public async Task A_stop_string_ends_the_reply_before_it_and_the_next_turn_reuses_the_common_prefix()
    {
        await cluster.StartAsync();
        // Greedy replies repeat, so a first session shows which text the second will produce.
        var full = await TurnResult.ReadAsync(cluster.Client.StreamChat(Turn(await NewSessionAsync(), "Tell me"), Auth(KeyA)));
        Skip.If(full.Text.Length < 8, "the reply is too short to cut");
        var stop = full.Text.Substring(full.Text.Length / 2, 3);

        var session = await NewSessionAsync();
        var cut = await TurnResult.ReadAsync(cluster.Client.StreamChat(Turn(session, "Tell me", stop), Auth(KeyA)));
        Assert.Equal(FinishReason.Stop, cut.Finished.Reason);
        Assert.Equal(full.Text[..full.Text.IndexOf(stop, StringComparison.Ordinal)], cut.Text);

        // The transcript now holds the cut reply, which the cache does not match token for token:
        // the next turn reuses at least the first turn's prompt and recomputes the rest.
        var next = await TurnResult.ReadAsync(cluster.Client.StreamChat(Turn(session, "Go on"), Auth(KeyA)));
        Assert.InRange(next.Started.CachedTokens, cut.Started.PromptTokens - 1, cut.Started.PromptTokens + cut.Usage.CompletionTokens);
        Assert.Contains(next.Finished.Reason, new[] { FinishReason.Stop, FinishReason.Length });
    }

    [SkippableFact]
    public async Task A_deleted_session_is_gone()
    {
        await cluster.StartAsync();
        var session = await NewSessionAsync();
        await TurnResult.ReadAsync(cluster.Client.StreamChat(Turn(session, "Hi"), Auth(KeyA)));
        Assert.True((await cluster.Client.GetSessionAsync(new GetSessionRequest { SessionId = session }, Auth(KeyA))).CachedTokens > 0);

        Assert.True((await cluster.Client.DeleteSessionAsync(new DeleteSessionRequest { SessionId = session }, Auth(KeyA))).Deleted);

        var e = await Assert.ThrowsAsync<RpcException>(async () =>
            await cluster.Client.GetSessionAsync(new GetSessionRequest { SessionId = session }, Auth(KeyA)));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }
}
