namespace SmolLM3.Contracts.Conversations;

/// <summary>What a <see cref="ChatChunk"/> carries.</summary>
[GenerateSerializer, Alias("smollm3.ChatChunkKind")]
public enum ChatChunkKind { Started, Delta, Usage, Finished, ToolCall }

/// <summary>Why a turn ended.</summary>
[GenerateSerializer, Alias("smollm3.TurnFinish")]
public enum TurnFinish { Stop, Length, Cancelled, Error }

/// <summary>
/// One event of a streamed turn. A flat record rather than a class hierarchy keeps the wire format
/// trivial; only the fields of its <see cref="Kind"/> are meaningful.
/// </summary>
[GenerateSerializer, Immutable, Alias("smollm3.ChatChunk")]
public sealed record ChatChunk
{
    [Id(0)] public ChatChunkKind Kind { get; init; }
    /// <summary>Delta: the text; Finished: an error message, if any.</summary>
    [Id(1)] public string Text { get; init; } = "";
    /// <summary>Delta: inside the model's &lt;think&gt; section.</summary>
    [Id(2)] public bool Reasoning { get; init; }
    /// <summary>Started, Usage: the model id (Started) and token counts.</summary>
    [Id(3)] public string Model { get; init; } = "";
    [Id(4)] public int PromptTokens { get; init; }
    [Id(5)] public int CachedTokens { get; init; }
    [Id(6)] public int CompletionTokens { get; init; }
    /// <summary>Finished: why.</summary>
    [Id(7)] public TurnFinish Finish { get; init; }
    /// <summary>Started: the silo generating the reply.</summary>
    [Id(8)] public string Silo { get; init; } = "";
    /// <summary>ToolCall: the call.</summary>
    [Id(9)] public TurnToolCall? ToolCall { get; init; }
    /// <summary>Delta, when the turn asked for them: the generated tokens since the previous Delta, in order (a stop token is not one).</summary>
    [Id(10)] public TurnLogProb[]? LogProbs { get; init; }
    /// <summary>Delta, ToolCall, Finished of a turn with several choices: which reply (0-based) the chunk belongs to.</summary>
    [Id(11)] public int Choice { get; init; }

    public static ChatChunk Started(string model, int promptTokens, int cachedTokens, string silo = "") =>
        new() { Kind = ChatChunkKind.Started, Model = model, PromptTokens = promptTokens, CachedTokens = cachedTokens, Silo = silo };

    public static ChatChunk Delta(string text, bool reasoning, TurnLogProb[]? logProbs = null) =>
        new() { Kind = ChatChunkKind.Delta, Text = text, Reasoning = reasoning, LogProbs = logProbs };

    public static ChatChunk Call(TurnToolCall call) => new() { Kind = ChatChunkKind.ToolCall, ToolCall = call };

    public static ChatChunk Usage(int promptTokens, int cachedTokens, int completionTokens) =>
        new() { Kind = ChatChunkKind.Usage, PromptTokens = promptTokens, CachedTokens = cachedTokens, CompletionTokens = completionTokens };

    public static ChatChunk Finished(TurnFinish finish, string message = "") => new() { Kind = ChatChunkKind.Finished, Finish = finish, Text = message };
}
