using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// <c>POST /v1/chat/completions</c>, as JSON or as server-sent events (<c>"stream": true</c>), through
/// <see cref="OpenAiTurnCall"/>; <c>n</c> replies come as choices 0..n-1 of one stateless turn.
/// </summary>
public sealed class ChatCompletionsEndpoint(OpenAiTurnCall call)
{
    public Task HandleAsync(HttpContext http) =>
        call.HandleAsync(http, "POST /v1/chat/completions", "chatcmpl-", OpenAiJson.Default.ChatCompletionRequest,
            request => (OpenAiMapping.ToTurn(request), request.Model),
            (request, reply) => request.Stream
                ? StreamAsync(reply, request.N ?? 1, request.StreamOptions?.IncludeUsage == true)
                : CompleteAsync(reply, request.N ?? 1, logprobs: request.Logprobs == true));

    static async Task CompleteAsync(OpenAiReply reply, int n, bool logprobs)
    {
        var read = await ReplyChoices.ReadAsync(reply.Chunks, n, logprobs);
        var choices = read.Choices.Select((c, i) => new CompletionChoice(i,
            new AssistantMessage(c.Content.Length == 0 && c.Calls.Count > 0 ? null : c.Content.ToString(),
                c.Reasoning.Length > 0 ? c.Reasoning.ToString() : null, c.Calls.Count > 0 ? c.Calls : null),
            OpenAiMapping.FinishReason(c.Finish!.Value, c.Calls.Count > 0), ChoiceLogprobs.From(c.Tokens)));
        await reply.WriteJsonAsync(new ChatCompletion(reply.Id, reply.Created, reply.Model, [.. choices], OpenAiReply.Usage(read.Usage)),
            OpenAiJson.Default.ChatCompletion);
    }

    static async Task StreamAsync(OpenAiReply reply, int n, bool includeUsage)
    {
        reply.StartEvents();
        Task Write(ChunkChoice choice) =>
            reply.WriteEventAsync(new ChatCompletionChunk(reply.Id, reply.Created, reply.Model, [choice]), OpenAiJson.Default.ChatCompletionChunk);

        for (int i = 0; i < n; i++) await Write(new ChunkChoice(i, new ChunkDelta(Role: "assistant", Content: ""), null));
        ChatChunk? usage = null;
        var calls = new int[n];   // tool calls so far, per choice
        var chunks = reply.Chunks;
        while (await chunks.MoveNextAsync())
        {
            var c = chunks.Current;
            switch (c.Kind)
            {
                case ChatChunkKind.Delta:
                    var delta = c.Reasoning ? new ChunkDelta(ReasoningContent: c.Text) : new ChunkDelta(Content: c.Text);
                    await Write(new ChunkChoice(c.Choice, delta, null, ChoiceLogprobs.From(c.LogProbs)));
                    break;
                case ChatChunkKind.ToolCall:
                    foreach (var piece in ChunkToolCall.Pieces(calls[c.Choice], c.ToolCall!))
                        await Write(new ChunkChoice(c.Choice, new ChunkDelta(ToolCalls: [piece]), null));
                    calls[c.Choice]++;
                    break;
                case ChatChunkKind.Usage: usage = c; break;
                case ChatChunkKind.Finished:
                    await Write(new ChunkChoice(c.Choice, new ChunkDelta(), OpenAiMapping.FinishReason(c.Finish, calls[c.Choice] > 0)));
                    break;
            }
        }
        if (includeUsage && usage is not null)
            await reply.WriteEventAsync(new ChatCompletionChunk(reply.Id, reply.Created, reply.Model, [], OpenAiReply.Usage(usage)), OpenAiJson.Default.ChatCompletionChunk);
        await reply.WriteDoneAsync();
    }
}
