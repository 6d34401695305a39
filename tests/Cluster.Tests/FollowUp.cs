namespace SmolLM3.Cluster.Tests;

/// <summary>What a session's next turn finds in its cache after a turn that ended by a stop token or its length.</summary>
static class FollowUp
{
    /// <summary>The turn's prompt and reply but the reply's final token: no step feeds that one; the next turn does, with its own prompt.</summary>
    public static int CachedTokens(int promptTokens, int completionTokens) => promptTokens + completionTokens - 1;
}
