using Grpc.Core;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.V1;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>The session keeps its chat-template state (thinking mode, tools) across turns; stateless calls keep nothing.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TemplateStateTests(ClusterFixture cluster)
{
    const string Weather = """{"name": "get_weather", "description": "Current weather in a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}""";

    static ChatRequest Turn(string session, string text) => ChatRequests.Greedy(session, text, 4);

    async Task<string> NewSessionAsync() => (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(KeyA))).SessionId;

    /// <summary>Prompt tokens the model's own template gives for a transcript in a template state.</summary>
    int PromptTokens(IEnumerable<TurnMessage> messages, bool thinking, string[] tools) =>
        cluster.Model.Tokenizer.Encode(cluster.Model.Renderer.Render(messages, thinking, tools), parseSpecial: true).Count;

    [SkippableFact]
    public async Task Tools_and_thinking_set_once_stay_with_the_session()
    {
        await cluster.StartAsync();
        var session = await NewSessionAsync();
        var first = Turn(session, "Weather in Paris?");
        first.Thinking = true;
        first.XmlTools = new Tools { Json = { Weather } };
        var one = await TurnResult.ReadAsync(cluster.Client.StreamChat(first, Auth(KeyA)));
        var u1 = new TurnMessage("user", "Weather in Paris?");
        Assert.Equal(PromptTokens([u1], thinking: true, [Weather]), one.Started.PromptTokens);
        // (the template does render both: each changes the prompt on its own)
        Assert.NotEqual(PromptTokens([u1], thinking: true, []), one.Started.PromptTokens);
        Assert.NotEqual(PromptTokens([u1], thinking: false, [Weather]), one.Started.PromptTokens);

        // Neither field set: the session's tools and thinking mode still apply.
        var two = await TurnResult.ReadAsync(cluster.Client.StreamChat(Turn(session, "And Rome?"), Auth(KeyA)));
        var transcript = new[] { u1, new TurnMessage("assistant", one.Text), new TurnMessage("user", "And Rome?") };
        Assert.Equal(PromptTokens(transcript, thinking: true, [Weather]), two.Started.PromptTokens);

        // Set to empty: the tools are gone from here on, thinking switched off.
        var third = Turn(session, "Thanks.");
        third.Thinking = false;
        third.XmlTools = new Tools();
        var three = await TurnResult.ReadAsync(cluster.Client.StreamChat(third, Auth(KeyA)));
        var all = transcript.Append(new TurnMessage("assistant", two.Text)).Append(new TurnMessage("user", "Thanks.")).ToArray();
        Assert.Equal(PromptTokens(all, thinking: false, []), three.Started.PromptTokens);
    }

    [SkippableFact]
    public async Task A_tool_that_is_not_a_json_object_is_invalid_argument()
    {
        await cluster.StartAsync();
        var request = Turn(await NewSessionAsync(), "Hi");
        request.XmlTools = new Tools { Json = { Weather, "[1, 2]" } };
        var e = await Assert.ThrowsAsync<RpcException>(() => TurnResult.ReadAsync(cluster.Client.StreamChat(request, Auth(KeyA))));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("xml_tools[1]", e.Status.Detail);
    }

    [SkippableFact]
    public async Task Without_a_session_the_messages_are_the_whole_conversation_and_nothing_is_kept()
    {
        await cluster.StartAsync();
        var session = await NewSessionAsync();
        var withSession = await TurnResult.ReadAsync(cluster.Client.StreamChat(Turn(session, "Stateless, please."), Auth(KeyA)));

        var stateless = Turn("", "Stateless, please.");
        stateless.Messages.Insert(0, new ChatMessage { Role = "system", Content = "Be brief." });
        var reply = await TurnResult.ReadAsync(cluster.Client.StreamChat(stateless, Auth(KeyA)));
        Assert.Equal("", reply.Started.SessionId);
        Assert.Equal(PromptTokens([new("system", "Be brief."), new("user", "Stateless, please.")], false, []), reply.Started.PromptTokens);
        Assert.Equal(0, reply.Started.CachedTokens);

        stateless.Messages.RemoveAt(0);   // the same single message as the session's first turn: the same greedy reply
        var again = await TurnResult.ReadAsync(cluster.Client.StreamChat(stateless, Auth(KeyA)));
        Assert.Equal(withSession.Text, again.Text);
        Assert.Equal(withSession.Usage.CompletionTokens, again.Usage.CompletionTokens);
    }
}
