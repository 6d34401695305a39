using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.V1;
using SmolLM3.Gateway.Turns;

namespace SmolLM3.Gateway.Services;

/// <summary>Translates between the public protobuf messages and the grain messages.</summary>
public static class ChatMapping
{
    /// <summary>The grain request for <paramref name="request"/>; throws <see cref="Contracts.Errors.InvalidRequestException"/> on a malformed one.</summary>
    public static ChatTurnRequest ToTurn(ChatRequest request)
    {
        var messages = TurnMessages.Check([.. request.Messages.Select(ToMessage)]);
        var sampling = ToSampling(request.Sampling) with { Format = ToFormat(request.ResponseFormat) };
        return new ChatTurnRequest(messages, sampling, request.HasThinking ? request.Thinking : null,
            XmlTools: request.XmlTools is { } tools ? ToolDefinitions.Check(tools.Json) : null,
            TopLogProbs: request.HasTopLogprobs ? request.TopLogprobs : null);
    }

    static TurnMessage ToMessage(ChatMessage m) => new(m.Role, m.Content, m.ToolCallId is "" ? null : m.ToolCallId,
        m.ToolCalls.Count > 0 ? [.. m.ToolCalls.Select(c => new TurnToolCall(c.Id, c.Name, c.Arguments))] : null);

    static ReplyFormat? ToFormat(ResponseFormat? format) => format?.KindCase switch
    {
        ResponseFormat.KindOneofCase.JsonObject when format.JsonObject => new ReplyFormat(ReplyFormatKind.JsonObject),
        ResponseFormat.KindOneofCase.JsonSchema => new ReplyFormat(ReplyFormatKind.JsonSchema, Schema: format.JsonSchema),
        _ => null,
    };

    static TurnSampling ToSampling(SamplingParameters? p) => p is null ? new TurnSampling() : new TurnSampling
    {
        Temperature = p.HasTemperature ? p.Temperature : null,
        TopP = p.HasTopP ? p.TopP : null,
        TopK = p.HasTopK ? p.TopK : null,
        MinP = p.HasMinP ? p.MinP : null,
        RepetitionPenalty = p.HasRepetitionPenalty ? p.RepetitionPenalty : null,
        PresencePenalty = p.HasPresencePenalty ? p.PresencePenalty : null,
        FrequencyPenalty = p.HasFrequencyPenalty ? p.FrequencyPenalty : null,
        Seed = p.HasSeed ? p.Seed : null,
        MaxTokens = p.HasMaxTokens ? p.MaxTokens : null,
        Stop = [.. p.Stop],
    };

    public static ChatEvent ToEvent(ChatChunk chunk, string sessionId) => chunk.Kind switch
    {
        ChatChunkKind.Started => new ChatEvent { Started = new Started { SessionId = sessionId, Model = chunk.Model, PromptTokens = chunk.PromptTokens, CachedTokens = chunk.CachedTokens, Silo = chunk.Silo } },
        ChatChunkKind.Delta => new ChatEvent { Delta = new Delta { Text = chunk.Text, Reasoning = chunk.Reasoning, Logprobs = { (chunk.LogProbs ?? []).Select(ToLogprob) } } },
        ChatChunkKind.ToolCall => new ChatEvent { ToolCall = new ToolCall { Id = chunk.ToolCall!.Id, Name = chunk.ToolCall.Name, Arguments = chunk.ToolCall.Arguments } },
        ChatChunkKind.Usage => new ChatEvent { Usage = new Usage { PromptTokens = chunk.PromptTokens, CachedTokens = chunk.CachedTokens, CompletionTokens = chunk.CompletionTokens } },
        _ => new ChatEvent { Finished = new Finished { Reason = ToReason(chunk.Finish), Message = chunk.Text } },
    };

    static TokenLogprob ToLogprob(TurnLogProb p) => new()
    {
        TokenId = p.TokenId, Token = p.Token, Bytes = Google.Protobuf.ByteString.CopyFrom(p.Bytes), Logprob = p.LogProb, TopLogprobs = { p.Top.Select(ToLogprob) },
    };

    static FinishReason ToReason(TurnFinish finish) => finish switch
    {
        TurnFinish.Stop => FinishReason.Stop,
        TurnFinish.Length => FinishReason.Length,
        TurnFinish.Cancelled => FinishReason.Cancelled,
        _ => FinishReason.Error,
    };

    public static Session ToSession(string sessionId, SessionInfo info) =>
        new() { SessionId = sessionId, Model = info.Model, MessageCount = info.MessageCount, CachedTokens = info.CachedTokens };
}
