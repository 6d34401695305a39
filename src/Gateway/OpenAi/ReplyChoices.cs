using System.Text;
using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>A non-streamed reply gathered from a turn's chunks, choice by choice, with the turn's usage.</summary>
public sealed class ReplyChoices
{
    /// <summary>What one choice wrote: answer and reasoning text, tokens (when asked for), tool calls, and how it ended.</summary>
    public sealed class Choice
    {
        public StringBuilder Content { get; } = new();
        public StringBuilder Reasoning { get; } = new();
        public List<TurnLogProb>? Tokens { get; init; }
        public List<MessageToolCall> Calls { get; } = [];
        public TurnFinish? Finish { get; set; }
    }

    public required Choice[] Choices { get; init; }
    public required ChatChunk Usage { get; init; }

    /// <summary>Reads the rest of <paramref name="chunks"/>; throws if a choice did not finish or no usage came.</summary>
    public static async Task<ReplyChoices> ReadAsync(IAsyncEnumerator<ChatChunk> chunks, int choices, bool logprobs)
    {
        var all = Enumerable.Range(0, choices).Select(_ => new Choice { Tokens = logprobs ? [] : null }).ToArray();
        ChatChunk? usage = null;
        while (await chunks.MoveNextAsync())
        {
            var c = chunks.Current;
            var choice = all[c.Choice];
            switch (c.Kind)
            {
                case ChatChunkKind.Delta:
                    (c.Reasoning ? choice.Reasoning : choice.Content).Append(c.Text);
                    choice.Tokens?.AddRange(c.LogProbs ?? []);
                    break;
                case ChatChunkKind.ToolCall: choice.Calls.Add(MessageToolCall.From(c.ToolCall!)); break;
                case ChatChunkKind.Usage: usage = c; break;
                case ChatChunkKind.Finished: choice.Finish = c.Finish; break;
            }
        }
        if (usage is null || all.Any(c => c.Finish is null)) throw new InvalidOperationException("the turn ended without its usage and finish");
        return new ReplyChoices { Choices = all, Usage = usage };
    }
}
