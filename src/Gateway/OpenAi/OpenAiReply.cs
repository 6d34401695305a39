using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Gateway.Turns;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>A started turn's chunks (after Started) and the fields every chunk or completion of its reply repeats.</summary>
public sealed record OpenAiReply(HttpContext Http, StalledReader Reader, IAsyncEnumerator<ChatChunk> Chunks, string Id, long Created, string Model)
{
    /// <summary>Writes a whole (non-streamed) reply as JSON.</summary>
    public async Task WriteJsonAsync<T>(T value, JsonTypeInfo<T> json)
    {
        Http.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(Http.Response.Body, value, json, Http.RequestAborted);
    }

    /// <summary>Server-sent events from here on.</summary>
    public void StartEvents()
    {
        Http.Response.ContentType = "text/event-stream";
        Http.Response.Headers.CacheControl = "no-cache";
    }

    public Task WriteEventAsync<T>(T value, JsonTypeInfo<T> json) => WriteDataAsync(Http, Reader, JsonSerializer.SerializeToUtf8Bytes(value, json));

    public Task WriteDoneAsync() => WriteDataAsync(Http, Reader, "[DONE]"u8.ToArray());

    /// <summary>One server-sent event: <c>data: …</c> and a blank line, flushed at once.</summary>
    public static async Task WriteDataAsync(HttpContext http, StalledReader? reader, byte[] data)
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

    /// <summary>OpenAI's usage from the turn's Usage chunk.</summary>
    public static CompletionUsage Usage(ChatChunk usage) =>
        new(usage.PromptTokens, usage.CompletionTokens, new PromptTokensDetails(usage.CachedTokens));
}
