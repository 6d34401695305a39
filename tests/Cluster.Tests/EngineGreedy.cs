using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Sampling;
using SmolLM3.Silo.Models;

namespace SmolLM3.Cluster.Tests;

/// <summary>What a greedy turn should reply: the engine's own generation loop over the prompt, in a cache of its own.</summary>
static class EngineGreedy
{
    /// <summary>The sampled tokens of a greedy reply to <paramref name="prompt"/>, and its text without a final stop token.</summary>
    public static (List<GeneratedToken> Tokens, string Text) Reply(ModelHost host, int[] prompt, int maxTokens)
    {
        using var cache = host.Model.NewCache();
        var tokens = Generator.Generate(host.Model, cache, prompt, new SamplingOptions { Temperature = 0, MaxTokens = maxTokens, StopTokenIds = host.StopTokenIds }).ToList();
        return (tokens, host.Tokenizer.Decode(tokens.Where(t => t.Finish != FinishReason.StopToken).Select(t => t.Token)));
    }
}
