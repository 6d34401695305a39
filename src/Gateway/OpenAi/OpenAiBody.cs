using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;
using SmolLM3.Contracts.Errors;
using SmolLM3.Gateway.Errors;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// Reads a request body as JSON within the gateway's bounds: at most <see cref="GatewayOptions.MaxRequestBytes"/>
/// (413 past it, read no further), valid UTF-8, nesting within <see cref="OpenAiJson.MaxDepth"/>; anything the
/// serializer refuses is a 400 naming where.
/// </summary>
public static class OpenAiBody
{
    public static async Task<T> ReadAsync<T>(HttpContext http, JsonTypeInfo<T> json, int maxBytes) where T : class
    {
        if (http.Request.ContentLength > maxBytes) throw new RequestTooLargeException(maxBytes);
        // the server's own bound (Kestrel: 30 MB) is this one, so a larger configured bound holds too
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = maxBytes;
        var body = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
            {
                if (body.Length + read > maxBytes) throw new RequestTooLargeException(maxBytes);
                body.Write(buffer, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new RequestTooLargeException(maxBytes);
        }
        var bytes = body.GetBuffer().AsSpan(0, (int)body.Length);
        if (!Utf8.IsValid(bytes)) throw new InvalidRequestException("the body is not valid UTF-8");
        try
        {
            return JsonSerializer.Deserialize(bytes, json) ?? throw new InvalidRequestException("the body must be a JSON object, not null");
        }
        catch (JsonException e)
        {
            throw new InvalidRequestException($"the body is not a valid request: {e.Message}");
        }
        catch (InvalidOperationException e)   // the reader's own refusals, e.g. an escaped lone surrogate read as a string
        {
            throw new InvalidRequestException($"the body is not a valid request: {e.Message}");
        }
    }
}
