using System.Security.Cryptography;
using System.Text;
using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Contracts.Placement;

/// <summary>
/// Prefix affinity for stateless turns, through the Orleans request context: a key for the request's first message
/// (a system prompt, or the start of a conversation resent with one more message each call), so placement sends
/// requests that start alike to the same silo, where their common start's KV blocks already are.
/// </summary>
public static class PrefixPlacementHint
{
    /// <summary>Request-context key holding the prefix key.</summary>
    public const string Key = "smollm3.prefix";

    /// <summary>A first message shorter than this (characters) is not worth routing by: a block or two.</summary>
    public const int MinChars = 256;

    /// <summary>Sets the key for calls made until the returned scope is disposed (nothing when the first message is short).</summary>
    public static IDisposable For(IReadOnlyList<TurnMessage> messages)
    {
        if (messages.Count == 0 || messages[0].Content.Length < MinChars) return new Scope();
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{messages[0].Role}\n{messages[0].Content}"));
        RequestContext.Set(Key, Convert.ToHexStringLower(digest.AsSpan(0, 16)));
        return new Scope();
    }

    sealed class Scope : IDisposable
    {
        public void Dispose() => RequestContext.Remove(Key);
    }
}
