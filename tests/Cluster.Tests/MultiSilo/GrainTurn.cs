using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Cluster.Tests.MultiSilo;

/// <summary>One greedy turn straight on a conversation grain, gathered.</summary>
public sealed record GrainTurn(int PromptTokens, int CachedTokens, string Text, TurnFinish Finish)
{
    public static async Task<GrainTurn> RunAsync(IConversationGrain grain, params TurnMessage[] messages)
    {
        var request = new ChatTurnRequest(messages, new TurnSampling { Temperature = 0, MaxTokens = 6 }, Thinking: false);
        ChatChunk? started = null, finished = null;
        var text = "";
        await foreach (var chunk in grain.ChatAsync(request))
        {
            if (chunk.Kind == ChatChunkKind.Started) started = chunk;
            if (chunk.Kind == ChatChunkKind.Delta) text += chunk.Text;
            if (chunk.Kind == ChatChunkKind.Finished) finished = chunk;
        }
        Assert.NotNull(started);
        Assert.NotNull(finished);
        Assert.True(finished.Finish is TurnFinish.Stop or TurnFinish.Length, $"turn ended {finished.Finish}: {finished.Text}");
        return new GrainTurn(started.PromptTokens, started.CachedTokens, text, finished.Finish);
    }
}
