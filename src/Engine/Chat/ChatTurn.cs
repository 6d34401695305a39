using System.Text;
using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Text;

namespace SmolLM3.Engine.Chat;

/// <summary>How a reply's text is interpreted.</summary>
public sealed record ChatTurnOptions
{
    /// <summary>Strings that end the reply; they and anything after them are not shown.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>The prompt left <c>&lt;think&gt;</c> open (<see cref="ChatPrompt.OpensReasoning"/>).</summary>
    public bool StartInReasoning { get; init; }

    /// <summary>Extract <c>&lt;tool_call&gt;</c> blocks from the answer.</summary>
    public bool ParseToolCalls { get; init; } = true;

    /// <summary>Split <c>&lt;think&gt;</c> sections out as reasoning; false passes all text as the answer (raw completions).</summary>
    public bool SplitReasoning { get; init; } = true;
}

/// <summary>
/// Turns generated tokens into chat events: text is decoded, cut at stop strings, split into reasoning
/// and answer, and tool calls are pulled out of the answer. Push-based, so the CLI (over
/// <see cref="Generator.Generate"/>) and the cluster (over tokens arriving by message) share it.
/// The decoder must not skip special tokens, or <c>&lt;think&gt;</c> would vanish before it is seen.
/// </summary>
public sealed class ChatTurn
{
    readonly StreamingDecoder decoder;
    readonly ChatTurnOptions options;
    readonly StopStringMatcher stops;
    readonly ReasoningSplitter splitter;
    readonly ToolCallParser tools = new();
    readonly StringBuilder text = new();
    int tokenCount;

    public ChatTurn(StreamingDecoder decoder, ChatTurnOptions? options = null)
    {
        this.decoder = decoder;
        this.options = options ?? new ChatTurnOptions();
        stops = new StopStringMatcher(this.options.StopStrings);
        splitter = new ReasoningSplitter(this.options.StartInReasoning);
    }

    /// <summary>The <see cref="FinishedEvent"/> once produced; later pushes return nothing.</summary>
    public FinishedEvent? Finished { get; private set; }

    public bool IsFinished => Finished is not null;

    /// <summary>Feeds one token; the last one of a reply carries its <see cref="GeneratedToken.Finish"/>.</summary>
    public IReadOnlyList<ChatEvent> Push(GeneratedToken token) => Push(token.Token, token.Finish);

    public IReadOnlyList<ChatEvent> Push(int token, FinishReason? finish)
    {
        if (IsFinished) return [];
        tokenCount++;
        var output = new List<ChatEvent>();
        // A stop token ends the reply and is not part of it.
        if (finish != FinishReason.StopToken) Decoded(decoder.Add(token), output);
        if (stops.Matched is not null) return End(output, FinishReason.StopString);
        return finish is { } reason ? End(output, reason) : output;
    }

    /// <summary>Ends a reply whose tokens stopped without a finish reason (e.g. cancelled): counted as Length.</summary>
    public IReadOnlyList<ChatEvent> Finish() => IsFinished ? [] : End([], FinishReason.Length);

    /// <summary>
    /// The reply's text as generated, up to any stop string: <c>&lt;think&gt;</c> and <c>&lt;tool_call&gt;</c> markup
    /// included, the stop token not. It is what a chat template renders back as the assistant's message.
    /// </summary>
    public string Text => text.ToString();

    /// <summary>Runs a whole generation, stopping it (by disposing the enumerator) at a stop string.</summary>
    public static IEnumerable<ChatEvent> Stream(IEnumerable<GeneratedToken> tokens, StreamingDecoder decoder, ChatTurnOptions? options = null)
    {
        var turn = new ChatTurn(decoder, options);
        foreach (var token in tokens)
        {
            foreach (var e in turn.Push(token)) yield return e;
            if (turn.IsFinished) yield break;
        }
        foreach (var e in turn.Finish()) yield return e;
    }

    void Decoded(string piece, List<ChatEvent> output)
    {
        if (piece.Length > 0) Shown(stops.Push(piece), output);
    }

    void Shown(string shown, List<ChatEvent> output)
    {
        text.Append(shown);
        if (!options.SplitReasoning) Split(shown.Length > 0 ? [new AnswerDelta(shown)] : [], output);
        else Split(splitter.Push(shown), output);
    }

    void Split(IReadOnlyList<ChatEvent> segments, List<ChatEvent> output)
    {
        foreach (var segment in segments)
        {
            if (segment is AnswerDelta answer && options.ParseToolCalls) output.AddRange(tools.Push(answer.Text));
            else
            {
                // Answer text held back before a <think> belongs before it.
                if (options.ParseToolCalls) output.AddRange(tools.Flush());
                output.Add(segment);
            }
        }
    }

    List<ChatEvent> End(List<ChatEvent> output, FinishReason reason)
    {
        if (reason != FinishReason.StopString) Decoded(decoder.Flush(), output);
        if (stops.Matched is not null) reason = FinishReason.StopString;   // the flushed bytes completed one
        Shown(stops.Flush(), output);
        if (options.SplitReasoning) Split(splitter.Flush(), output);
        if (options.ParseToolCalls) output.AddRange(tools.Flush());
        Finished = new FinishedEvent(reason, stops.Matched, tokenCount);
        output.Add(Finished);
        return output;
    }
}
