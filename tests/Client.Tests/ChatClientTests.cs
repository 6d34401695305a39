using Microsoft.Extensions.AI;

namespace SmolLM3.Client.Tests;

/// <summary>
/// The client over a real gateway: session turns keep the transcript (the second reuses the first's cache), stateless
/// turns keep nothing, streamed reasoning and tool calls arrive as their own content types, and usage and finish
/// reasons are reported.
/// </summary>
[Collection(ClientCollection.Name)]
public sealed class ChatClientTests(ClientClusterFixture cluster)
{
    const string ToolCallReply = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>";

    static ChatOptions Greedy(string? session = null) => new() { ConversationId = session, Temperature = 0, MaxOutputTokens = 64 };

    [SkippableFact]
    public async Task A_session_keeps_the_transcript_and_reports_usage_model_and_finish_reason()
    {
        await cluster.StartAsync();
        using var client = cluster.Client();
        var session = await client.CreateSessionAsync();
        cluster.Script = "The answer.<|im_end|>";

        var first = await client.GetResponseAsync("Question?", Greedy(session));
        Assert.Equal("The answer.", first.Text);
        Assert.Equal(ChatFinishReason.Stop, first.FinishReason);
        Assert.Equal(session, first.ConversationId);
        Assert.False(string.IsNullOrEmpty(first.ModelId));
        Assert.True(first.Usage?.InputTokenCount > 0);
        Assert.Equal(4, first.Usage?.OutputTokenCount);   // "The", " answer", "." and the stop token

        // Only the new message is sent: the session's cache already holds the first turn.
        var second = await client.GetResponseAsync("And then?", Greedy(session));
        Assert.Equal("The answer.", second.Text);
        Assert.True(second.Usage?.CachedInputTokenCount >= first.Usage!.InputTokenCount,
            $"cached {second.Usage?.CachedInputTokenCount} of the first turn's {first.Usage.InputTokenCount} prompt tokens");
    }

    [SkippableFact]
    public async Task A_call_without_a_conversation_id_is_answered_statelessly()
    {
        await cluster.StartAsync();
        using var client = cluster.Client();
        cluster.Script = "Stateless.<|im_end|>";

        var response = await client.GetResponseAsync([new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hi")], Greedy());
        Assert.Equal("Stateless.", response.Text);
        Assert.Null(response.ConversationId);
    }

    [SkippableFact]
    public async Task Streamed_reasoning_arrives_as_reasoning_content_and_is_left_out_when_asked()
    {
        await cluster.StartAsync();
        using var client = cluster.Client();
        cluster.Script = "<think>\nPlan it.\n</think>\nThe answer.<|im_end|>";
        var options = Greedy();
        options.Reasoning = new ReasoningOptions { Effort = ReasoningEffort.Medium };

        var updates = await client.GetStreamingResponseAsync("Question?", options).ToListAsync();
        var reasoning = string.Concat(updates.SelectMany(u => u.Contents).OfType<TextReasoningContent>().Select(c => c.Text));
        Assert.Equal("Plan it.", reasoning.Trim());
        Assert.Equal("The answer.", string.Concat(updates.Select(u => u.Text)).Trim());
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>());

        options.Reasoning.Output = ReasoningOutput.None;
        var quiet = await client.GetResponseAsync("Question?", options);
        Assert.Empty(quiet.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>());
        Assert.Equal("The answer.", quiet.Text.Trim());
    }

    [SkippableFact]
    public async Task A_tool_call_arrives_as_function_call_content_with_parsed_arguments()
    {
        await cluster.StartAsync();
        using var client = cluster.Client();
        cluster.Script = ToolCallReply;
        var options = Greedy();
        options.Tools = [AIFunctionFactory.Create((string city) => "sunny", "get_weather", "The weather in a city")];

        var response = await client.GetResponseAsync("Weather in Paris?", options);
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.StartsWith("call_", call.CallId);
        Assert.Equal("Paris", call.Arguments!["city"]?.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.DoesNotContain("tool_call", response.Text);
    }

    [SkippableFact]
    public async Task Through_chat_client_builder_middleware_invokes_the_tool_and_the_session_gets_only_the_result()
    {
        await cluster.StartAsync();
        using var inner = cluster.Client();
        var session = await inner.CreateSessionAsync();
        var sent = new List<IReadOnlyList<ChatMessage>>();
        using var client = new ChatClientBuilder(inner)
            .UseFunctionInvocation()
            .Use(async (messages, options, next, ct) =>
            {
                sent.Add([.. messages]);
                await next(messages, options, ct);
            })
            .Build();
        cluster.Script = ToolCallReply;
        var options = Greedy(session);
        // The tool answers and changes the model's next reply, as a real model would continue after the result.
        options.Tools = [AIFunctionFactory.Create((string city) =>
        {
            cluster.Script = $"Sunny in {city}.<|im_end|>";
            return "sunny";
        }, "get_weather", "The weather in a city")];

        var response = await client.GetResponseAsync("Weather in Paris?", options);

        Assert.Equal("Sunny in Paris.", response.Text);
        Assert.Equal(session, response.ConversationId);
        Assert.Equal(2, sent.Count);
        // The session holds the first reply, so the second call carries only the tool's result.
        var result = Assert.Single(Assert.Single(sent[1]).Contents.OfType<FunctionResultContent>());
        Assert.Equal("sunny", result.Result?.ToString());
    }
}
