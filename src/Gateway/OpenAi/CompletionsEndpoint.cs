using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// <c>POST /v1/completions</c>: the prompt continued as is (no chat template), as JSON or as server-sent events,
/// through <see cref="OpenAiTurnCall"/> like chat completions.
/// </summary>
public sealed class CompletionsEndpoint(OpenAiTurnCall call)
{
    public Task HandleAsync(HttpContext http) =>
        call.HandleAsync(http, "POST /v1/completions", "cmpl-", OpenAiJson.Default.CompletionRequest,
            request => (CompletionMapping.ToTurn(request), request.Model),
            (request, reply) =>
            {
                var echo = request.Echo ? CompletionMapping.Prompt(request) : "";
                return request.Stream
                    ? StreamAsync(reply, request.N ?? 1, echo, request.StreamOptions?.IncludeUsage == true)
                    : CompleteAsync(reply, request.N ?? 1, echo, logprobs: request.Logprobs is not null);
            });

    static async Task CompleteAsync(OpenAiReply reply, int n, string echo, bool logprobs)
    {
        var read = await ReplyChoices.ReadAsync(reply.Chunks, n, logprobs);
        var choices = read.Choices.Select((c, i) => new TextChoice(echo + c.Content, i, TextLogprobs.From(c.Tokens, echo.Length),
            OpenAiMapping.FinishReason(c.Finish!.Value, calledTools: false)));
        await reply.WriteJsonAsync(new TextCompletion(reply.Id, reply.Created, reply.Model, [.. choices], OpenAiReply.Usage(read.Usage)),
            OpenAiJson.Default.TextCompletion);
    }

    static async Task StreamAsync(OpenAiReply reply, int n, string echo, bool includeUsage)
    {
        reply.StartEvents();
        Task Write(TextChoice choice) =>
            reply.WriteEventAsync(new TextCompletion(reply.Id, reply.Created, reply.Model, [choice]), OpenAiJson.Default.TextCompletion);

        var offsets = new int[n];   // characters of each choice's text so far, for logprobs' text_offset
        if (echo.Length > 0)
            for (int i = 0; i < n; i++) await Write(new TextChoice(echo, i, null, null));
        ChatChunk? usage = null;
        var chunks = reply.Chunks;
        while (await chunks.MoveNextAsync())
        {
            var c = chunks.Current;
            switch (c.Kind)
            {
                case ChatChunkKind.Delta:
                    await Write(new TextChoice(c.Text, c.Choice, TextLogprobs.From(c.LogProbs, offsets[c.Choice]), null));
                    offsets[c.Choice] += c.Text.Length;
                    break;
                case ChatChunkKind.Usage: usage = c; break;
                case ChatChunkKind.Finished:
                    await Write(new TextChoice("", c.Choice, null, OpenAiMapping.FinishReason(c.Finish, calledTools: false)));
                    break;
            }
        }
        if (includeUsage && usage is not null)
            await reply.WriteEventAsync(new TextCompletion(reply.Id, reply.Created, reply.Model, [], OpenAiReply.Usage(usage)), OpenAiJson.Default.TextCompletion);
        await reply.WriteDoneAsync();
    }
}
