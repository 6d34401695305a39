using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using SmolLM3.Contracts.V1;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// A turn the engine fails midway (an <see cref="ArgumentException"/> from a forward pass) is the server's fault:
/// clients get INTERNAL / 500 and an error id, never the exception's text, and the silo's log has both.
/// </summary>
public sealed class TurnFailureTests(FaultingClusterFixture cluster) : IClassFixture<FaultingClusterFixture>
{
    const string Failing = $"Please say {FaultingClusterFixture.Marker} now";

    /// <summary>The error id <paramref name="message"/> names, after checking it says nothing of the cause.</summary>
    static string ErrorIdIn(string? message)
    {
        Assert.DoesNotContain(FaultingModel.Failure, message ?? "");
        return ErrorIds.In(message);
    }

    /// <summary>The silo logged the engine's exception under <paramref name="errorId"/>.</summary>
    void AssertLogged(string errorId)
    {
        var entry = Assert.Single(cluster.Logs.Entries, e => e.Message.Contains(errorId));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, entry.Level);
        Assert.Equal(FaultingModel.Failure, Assert.IsType<ArgumentException>(entry.Exception).Message);
    }

    Task<HttpResponseMessage> PostAsync(bool stream) =>
        cluster.Http.SendAsync(ChatRequests.Completion(KeyA, new { messages = new[] { new { role = "user", content = Failing } }, max_tokens = 4, stream }));

    [SkippableFact]
    public async Task A_grpc_client_gets_internal_with_the_error_id_and_the_session_goes_on()
    {
        await cluster.StartAsync();
        var session = (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(KeyA))).SessionId;

        var events = new List<ChatEvent>();
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var ev in cluster.Client.StreamChat(ChatRequests.Greedy(session, Failing, 4), Auth(KeyA)).ResponseStream.ReadAllAsync())
                events.Add(ev);
        });
        Assert.Equal(StatusCode.Internal, e.StatusCode);
        Assert.Equal([ChatEvent.EventOneofCase.Started], events.Select(ev => ev.EventCase));   // it failed after it had started
        AssertLogged(ErrorIdIn(e.Status.Detail));

        // Nothing of the failed turn was kept, and the session answers the next one.
        var next = await TurnResult.ReadAsync(cluster.Client.StreamChat(ChatRequests.Greedy(session, "Hello", 4), Auth(KeyA)));
        Assert.Equal(0, next.Started.CachedTokens);
        Assert.Equal(2, (await cluster.Client.GetSessionAsync(new GetSessionRequest { SessionId = session }, Auth(KeyA))).MessageCount);
    }

    [SkippableFact]
    public async Task An_http_client_gets_500_with_the_error_id()
    {
        await cluster.StartAsync();
        using var response = await PostAsync(stream: false);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal(("internal_error", "server_error"), ((string?)error["code"], (string?)error["type"]));
        AssertLogged(ErrorIdIn((string?)error["message"]));
    }

    [SkippableFact]
    public async Task A_stream_whose_headers_are_sent_ends_with_an_error_event_carrying_the_error_id()
    {
        await cluster.StartAsync();
        using var response = await PostAsync(stream: true);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e));
        Assert.DoesNotContain("data: [DONE]", events);
        var error = JsonNode.Parse(events[^1]["data: ".Length..])!["error"]!;
        Assert.Equal("internal_error", (string?)error["code"]);
        AssertLogged(ErrorIdIn((string?)error["message"]));
    }
}
