using SmolLM3.Contracts.Errors;

namespace SmolLM3.Silo.Conversations;

/// <summary>How many tokens a reply may have once the prompt's length is known.</summary>
static class ReplyBudget
{
    /// <summary>
    /// The reply's token limit: <paramref name="requested"/> when prompt plus reply fit the context, or, when the
    /// caller did not ask for a number, the default shrunk to the room left. Throws
    /// <see cref="ContextLengthExceededException"/> (before any work is queued) when an explicit request does
    /// not fit, or the prompt leaves no room for even one token.
    /// </summary>
    public static int For(int promptTokens, int? requested, int defaultMaxTokens, int modelContext, int? tenantContext)
    {
        var (limit, holder) = tenantContext is { } t && t < modelContext
            ? (t, "the tenant's context allowance")
            : (modelContext, "the model's context");
        int wanted = requested ?? 1;
        if (promptTokens + wanted > limit) throw new ContextLengthExceededException(promptTokens, wanted, limit, holder);
        return requested ?? Math.Min(defaultMaxTokens, limit - promptTokens);
    }
}
