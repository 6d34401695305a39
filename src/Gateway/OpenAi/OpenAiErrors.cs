using System.Text.Json;
using SmolLM3.Gateway.Errors;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>Writes an <see cref="ApiError"/> as OpenAI's error JSON with its HTTP status (and Retry-After).</summary>
public static class OpenAiErrors
{
    public static async Task WriteAsync(HttpContext http, ApiError error)
    {
        http.Response.StatusCode = error.Http;
        if (error.RetryAfterSeconds is { } s) http.Response.Headers.RetryAfter = s.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (error.Http == StatusCodes.Status401Unauthorized) http.Response.Headers.WWWAuthenticate = "Bearer";
        http.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(http.Response.Body, Body(error), OpenAiJson.Default.ErrorBody, http.RequestAborted);
    }

    /// <summary>The JSON body of <paramref name="error"/> (also sent as an event when a stream fails midway).</summary>
    public static ErrorBody Body(ApiError error) => new(new ErrorDetail(error.Message, error.Type, error.Code));
}
