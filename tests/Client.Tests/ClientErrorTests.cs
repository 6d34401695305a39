using Microsoft.Extensions.AI;

namespace SmolLM3.Client.Tests;

/// <summary>Each refusal of the cluster reaches the caller as its own exception; the caller's cancellation as cancellation.</summary>
[Collection(ClientCollection.Name)]
public sealed class ClientErrorTests(ClientClusterFixture cluster)
{
    [SkippableFact]
    public async Task An_unknown_session_is_session_not_found()
    {
        await cluster.StartAsync();
        using var client = cluster.Client();
        await Assert.ThrowsAsync<SmolLMSessionNotFoundException>(() => client.GetResponseAsync("Hi", new ChatOptions { ConversationId = "no-such-session" }));
        await Assert.ThrowsAsync<SmolLMSessionNotFoundException>(() => client.DeleteSessionAsync("no-such-session"));
    }

    [SkippableFact]
    public async Task An_unknown_key_is_an_authentication_error()
    {
        await cluster.StartAsync();
        using var client = cluster.Client("not-a-key");
        var e = await Assert.ThrowsAsync<SmolLMAuthenticationException>(() => client.GetResponseAsync("Hi"));
        Assert.False(e.IsTransient);
    }

    [SkippableFact]
    public async Task Max_tokens_beyond_the_context_is_an_invalid_request()
    {
        await cluster.StartAsync();
        using var client = cluster.Client();
        var e = await Assert.ThrowsAsync<SmolLMInvalidRequestException>(() => client.GetResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 100_000_000 }));
        Assert.Contains("max_tokens", e.Message);
        Assert.False(e.IsTransient);
    }

    [SkippableFact]
    public async Task A_tenant_over_its_rate_gets_quota_exceeded_with_the_retry_after()
    {
        await cluster.StartAsync();
        cluster.Script = "Ok.<|im_end|>";
        using var client = cluster.Client(ClientClusterFixture.KeyRpm);
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 4 };
        await client.GetResponseAsync("One", options);

        var e = await Assert.ThrowsAsync<SmolLMQuotaExceededException>(() => client.GetResponseAsync("Two", options));
        Assert.True(e.IsTransient);
        Assert.InRange(e.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
    }

    [SkippableFact]
    public async Task Content_the_cluster_cannot_take_is_refused_before_the_call()
    {
        await cluster.StartAsync();
        using var client = cluster.Client();
        var message = new ChatMessage(ChatRole.User, [new DataContent(new byte[] { 1, 2, 3 }, "image/png")]);
        var e = await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync([message]));
        Assert.Contains("messages[0]", e.Message);
    }

    [SkippableFact]
    public async Task Cancelling_mid_stream_throws_operation_cancelled_and_frees_the_session()
    {
        await cluster.StartAsync();
        using var client = cluster.Client();
        var session = await client.CreateSessionAsync();
        cluster.Script = string.Concat(Enumerable.Repeat("word ", 2_000));
        using var cts = new CancellationTokenSource();
        var options = new ChatOptions { ConversationId = session, Temperature = 0, MaxOutputTokens = 2_000 };

        int read = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("Talk", options, cts.Token))
                if (++read == 3) cts.Cancel();
        });
        Assert.Equal(3, read);

        // The session takes the next turn: the cancelled one let go of it.
        cluster.Script = "Done.<|im_end|>";
        var next = await client.GetResponseAsync("Next", new ChatOptions { ConversationId = session, Temperature = 0, MaxOutputTokens = 8 });
        Assert.Equal("Done.", next.Text);
    }
}
