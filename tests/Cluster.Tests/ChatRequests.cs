using SmolLM3.Contracts.V1;

namespace SmolLM3.Cluster.Tests;

/// <summary>The turn most cluster tests send: one user message, greedy, a few tokens.</summary>
static class ChatRequests
{
    public static ChatRequest Greedy(string session, string text, int maxTokens) => new()
    {
        SessionId = session,
        Messages = { new ChatMessage { Role = "user", Content = text } },
        Sampling = new SamplingParameters { Temperature = 0, MaxTokens = maxTokens },
    };
}
