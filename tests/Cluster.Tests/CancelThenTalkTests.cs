using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using SmolLM3.Contracts.V1;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// A client that gives up on a reply and at once sends its next turn is served: the new turn waits for the
/// abandoned one to let go of the session instead of finding it busy.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CancelThenTalkTests(ClusterFixture cluster)
{
    const int Rounds = 20, EventsBeforeLeaving = 3, Endless = 60_000;

    [SkippableFact]
    public async Task A_grpc_turn_sent_right_after_cancelling_one_on_the_same_session_is_answered()
    {
        await cluster.StartAsync();
        var session = (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(KeyA))).SessionId;
        for (int round = 0; round < Rounds; round++)
        {
            using (var cts = new CancellationTokenSource())
            {
                using var call = cluster.Client.StreamChat(ChatRequests.Greedy(session, "Talk for a long time", Endless), Auth(KeyA), cancellationToken: cts.Token);
                for (int read = 0; read < EventsBeforeLeaving; read++)
                    Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None), $"round {round}: the stream ended after {read} events");
                cts.Cancel();
            }

            var next = await TurnResult.ReadAsync(cluster.Client.StreamChat(ChatRequests.Greedy(session, $"Round {round}", 2), Auth(KeyA)));
            Assert.Contains(next.Finished.Reason, new[] { FinishReason.Stop, FinishReason.Length });
        }
        // Only the answered turns are in the transcript.
        Assert.Equal(2 * Rounds, (await cluster.Client.GetSessionAsync(new GetSessionRequest { SessionId = session }, Auth(KeyA))).MessageCount);
    }

    static HttpRequestMessage Completion(bool stream, int maxTokens) =>
        ChatRequests.Completion(KeyA, new { messages = new[] { new { role = "user", content = "Talk for a long time" } }, temperature = 0, max_tokens = maxTokens, stream });

    [SkippableFact]
    public async Task A_request_sent_right_after_dropping_a_stream_is_answered_and_the_kv_pool_returns_to_its_baseline()
    {
        await cluster.StartAsync();
        var baseline = await cluster.KvStatsAsync();
        for (int round = 0; round < Rounds; round++)
        {
            using (var response = await cluster.WithinPatienceAsync(
                ct => cluster.Http.SendAsync(Completion(stream: true, Endless), HttpCompletionOption.ResponseHeadersRead, ct), $"round {round}: the stream's headers"))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                using var events = new StreamReader(await response.Content.ReadAsStreamAsync());
                for (int read = 0; read < EventsBeforeLeaving;)
                {
                    var line = await cluster.WithinPatienceAsync(ct => events.ReadLineAsync(ct).AsTask(), $"round {round}: event {read + 1} of the stream");
                    Assert.True(line is not null, $"round {round}: the stream ended after {read} events");
                    if (line.StartsWith("data: ", StringComparison.Ordinal)) read++;
                }
            }   // the response is disposed unread: the connection drops

            using var next = await cluster.WithinPatienceAsync(ct => cluster.Http.SendAsync(Completion(stream: false, maxTokens: 2), ct), $"round {round}: the next request's reply");
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
            var completion = JsonNode.Parse(await next.Content.ReadAsStringAsync())!;
            Assert.Equal("chat.completion", (string?)completion["object"]);
        }

        var after = await cluster.KvSettledAsync(baseline);
        Assert.Equal(baseline.UsedBlocks, after.UsedBlocks);
        Assert.Equal(0, cluster.Scheduler.Stats.ActiveSequences);
    }
}
