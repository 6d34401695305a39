using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SmolLM3.Contracts.V1;

namespace SmolLM3.Cluster.Tests;

/// <summary>The requests most cluster tests send: a gRPC turn of one user message, greedy, a few tokens; an OpenAI completion.</summary>
static class ChatRequests
{
    public static ChatRequest Greedy(string session, string text, int maxTokens) => new()
    {
        SessionId = session,
        Messages = { new ChatMessage { Role = "user", Content = text } },
        Sampling = new SamplingParameters { Temperature = 0, MaxTokens = maxTokens },
    };

    /// <summary>An OpenAI <c>POST /v1/chat/completions</c> of <paramref name="body"/> (serialized as JSON), authenticated with <paramref name="key"/>.</summary>
    public static HttpRequestMessage Completion(string key, object body) => new(HttpMethod.Post, "/v1/chat/completions")
    {
        Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", key) },
    };
}
