using System.Text;
using System.Text.Json;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;
using SmolLM3.Contracts.Placement;
using SmolLM3.Gateway.Errors;
using SmolLM3.Gateway.Models;
using SmolLM3.Gateway.Turns;
using Microsoft.Extensions.Options;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// <c>POST /v1/chat/completions</c>, as JSON or as server-sent events (<c>"stream": true</c>), over the same
/// admission and grains as gRPC. Every check runs before the first byte, so failures get their HTTP status;
/// a stream that fails later ends with OpenAI's error event instead of <c>[DONE]</c>.
/// </summary>
public sealed class ChatCompletionsEndpoint(
    IGrainFactory grains, ModelCatalog models, ChatTurns turns, IOptions<GatewayOptions> options, ILogger<ChatCompletionsEndpoint> logger)
{
    public async Task HandleAsync(HttpContext http)
    {
        var ct = http.RequestAborted;
        try
        {
            var request = await ReadAsync(http);
            var turn = OpenAiMapping.ToTurn(request);
            var model = models.Resolve(request.Model);
            var tenant = OpenAiAuth.TenantOf(http);
            using var admitted = await turns.AdmitAsync(tenant, model, turn, ct);
            using var placement = ModelPlacementHint.For(model);   // the turn's grain goes to a silo serving the model
            using var affinity = PrefixPlacementHint.For(turn.Messages);   // where requests with the same start went
            using var reader = new StalledReader(options.Value.StalledReaderTimeout, logger, ct);
            await using var chunks = admitted.RunStatelessAsync(grains, model, reader.Token).GetAsyncEnumerator(reader.Token);
            // The first chunk (Started) comes once the grain has accepted the prompt: errors up to here are statuses.
            if (!await chunks.MoveNextAsync()) throw new InvalidOperationException("the turn ended before it started");
            var reply = new Reply("chatcmpl-" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model);
            if (request.Stream) await StreamAsync(http, reader, chunks, reply, request.StreamOptions?.IncludeUsage == true);
            else await CompleteAsync(http, chunks, reply, logprobs: turn.TopLogProbs is not null);
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            // The client went away; the grain has dropped the sequence.
        }
        catch (StalledReaderException) when (http.Response.HasStarted)
        {
            http.Abort();   // nothing more can reach a client that stopped reading (the reader logged why)
        }
        catch (Exception e)
        {
            var error = ApiError.From(e, logger, "POST /v1/chat/completions");
            if (!http.Response.HasStarted) await OpenAiErrors.WriteAsync(http, error);
            // Headers are gone: the failure travels as an error event, as OpenAI's own streams do.
            else await WriteDataAsync(http, null, JsonSerializer.SerializeToUtf8Bytes(OpenAiErrors.Body(error), OpenAiJson.Default.ErrorBody));
        }
    }

    static async Task<ChatCompletionRequest> ReadAsync(HttpContext http)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(http.Request.Body, OpenAiJson.Default.ChatCompletionRequest, http.RequestAborted)
                ?? throw new InvalidRequestException("the body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidRequestException($"the body is not a valid chat completion request: {e.Message}");
        }
    }

    /// <summary>Fields every chunk or completion of one reply repeats.</summary>
    sealed record Reply(string Id, long Created, string Model);

    static async Task CompleteAsync(HttpContext http, IAsyncEnumerator<ChatChunk> chunks, Reply reply, bool logprobs)
    {
        var content = new StringBuilder();
        var tokens = logprobs ? new List<TurnLogProb>() : null;
        var reasoning = new StringBuilder();
        var calls = new List<MessageToolCall>();
        ChatChunk? usage = null, finished = null;
        while (await chunks.MoveNextAsync())
        {
            var c = chunks.Current;
            switch (c.Kind)
            {
                case ChatChunkKind.Delta:
                    (c.Reasoning ? reasoning : content).Append(c.Text);
                    tokens?.AddRange(c.LogProbs ?? []);
                    break;
                case ChatChunkKind.ToolCall: calls.Add(MessageToolCall.From(c.ToolCall!)); break;
                case ChatChunkKind.Usage: usage = c; break;
                case ChatChunkKind.Finished: finished = c; break;
            }
        }
        if (finished is null || usage is null) throw new InvalidOperationException("the turn ended without its usage and finish");

        var message = new AssistantMessage(content.Length == 0 && calls.Count > 0 ? null : content.ToString(),
            reasoning.Length > 0 ? reasoning.ToString() : null, calls.Count > 0 ? calls : null);
        var completion = new ChatCompletion(reply.Id, reply.Created, reply.Model,
            [new CompletionChoice(0, message, OpenAiMapping.FinishReason(finished.Finish, calls.Count > 0), ChoiceLogprobs.From(tokens))], Usage(usage));
        http.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(http.Response.Body, completion, OpenAiJson.Default.ChatCompletion, http.RequestAborted);
    }

    static async Task StreamAsync(HttpContext http, StalledReader reader, IAsyncEnumerator<ChatChunk> chunks, Reply reply, bool includeUsage)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        ChatCompletionChunk Chunk(ChunkDelta delta, string? finish) => new(reply.Id, reply.Created, reply.Model, [new ChunkChoice(0, delta, finish)]);

        await WriteEventAsync(http, reader, Chunk(new ChunkDelta(Role: "assistant", Content: ""), null));
        ChatChunk? usage = null;
        int calls = 0;
        while (await chunks.MoveNextAsync())
        {
            var c = chunks.Current;
            switch (c.Kind)
            {
                case ChatChunkKind.Delta:
                    var delta = c.Reasoning ? new ChunkDelta(ReasoningContent: c.Text) : new ChunkDelta(Content: c.Text);
                    await WriteEventAsync(http, reader, new(reply.Id, reply.Created, reply.Model, [new ChunkChoice(0, delta, null, ChoiceLogprobs.From(c.LogProbs))]));
                    break;
                case ChatChunkKind.ToolCall:
                    foreach (var piece in ChunkToolCall.Pieces(calls, c.ToolCall!))
                        await WriteEventAsync(http, reader, Chunk(new ChunkDelta(ToolCalls: [piece]), null));
                    calls++;
                    break;
                case ChatChunkKind.Usage: usage = c; break;
                case ChatChunkKind.Finished:
                    await WriteEventAsync(http, reader, Chunk(new ChunkDelta(), OpenAiMapping.FinishReason(c.Finish, calls > 0)));
                    break;
            }
        }
        if (includeUsage && usage is not null)
            await WriteEventAsync(http, reader, new ChatCompletionChunk(reply.Id, reply.Created, reply.Model, [], Usage(usage)));
        await WriteDataAsync(http, reader, "[DONE]"u8.ToArray());
    }

    static CompletionUsage Usage(ChatChunk usage) =>
        new(usage.PromptTokens, usage.CompletionTokens, new PromptTokensDetails(usage.CachedTokens));

    static Task WriteEventAsync(HttpContext http, StalledReader reader, ChatCompletionChunk chunk) =>
        WriteDataAsync(http, reader, JsonSerializer.SerializeToUtf8Bytes(chunk, OpenAiJson.Default.ChatCompletionChunk));

    /// <summary>One server-sent event: <c>data: …</c> and a blank line, flushed at once.</summary>
    static async Task WriteDataAsync(HttpContext http, StalledReader? reader, byte[] data)
    {
        byte[] line = [.. "data: "u8, .. data, .. "\n\n"u8];
        async Task Write(CancellationToken ct)
        {
            await http.Response.Body.WriteAsync(line, ct);
            await http.Response.Body.FlushAsync(ct);
        }
        if (reader is null) await Write(http.RequestAborted);
        else await reader.WriteAsync(Write);
    }
}
