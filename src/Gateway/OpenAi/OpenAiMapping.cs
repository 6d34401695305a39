using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;
using SmolLM3.Gateway.Turns;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>Translates OpenAI requests into grain turns and grain finish reasons into OpenAI's.</summary>
public static class OpenAiMapping
{
    /// <summary>The turn for <paramref name="request"/>: its whole message list, as the API is stateless; throws <see cref="InvalidRequestException"/>.</summary>
    public static ChatTurnRequest ToTurn(ChatCompletionRequest request)
    {
        if (request.N is < 1 or > ChatTurnRequest.MaxChoices) throw new InvalidRequestException($"n must be between 1 and {ChatTurnRequest.MaxChoices}; got {request.N}");
        OpenAiFields.Check(request.OtherFields);
        var messages = TurnMessages.Check([.. (request.Messages ?? []).Select((m, i) => ToMessage(m ?? throw new InvalidRequestException($"messages[{i}] must be an object")))]);
        var (tools, parseCalls, forcedCall) = OpenAiTools.From(request);
        var sampling = new TurnSampling
        {
            Temperature = request.Temperature,
            TopP = request.TopP,
            TopK = request.TopK,
            MinP = request.MinP,
            RepetitionPenalty = request.RepetitionPenalty,
            PresencePenalty = request.PresencePenalty,
            FrequencyPenalty = request.FrequencyPenalty,
            Seed = request.Seed,
            MaxTokens = request.MaxCompletionTokens ?? request.MaxTokens,
            Stop = request.Stop ?? [],
            Format = OpenAiResponseFormat.From(request.ResponseFormat, forcedCall),
        };
        if (request.TopLogprobs is not null && request.Logprobs != true) throw new InvalidRequestException("top_logprobs needs \"logprobs\": true");
        return new ChatTurnRequest(messages, sampling, OpenAiThinking.From(request), XmlTools: tools, ParseToolCalls: parseCalls,
            TopLogProbs: request.Logprobs == true ? request.TopLogprobs ?? 0 : null, Choices: request.N ?? 1);
    }

    static TurnMessage ToMessage(ChatCompletionMessage m) => new(
        m.Role == "developer" ? "system" : m.Role ?? "",   // OpenAI's newer name for the system role
        m.Content ?? "",
        m.ToolCallId,
        m.ToolCalls is { Count: > 0 } calls ? [.. calls.Select(c => new TurnToolCall(c?.Id!, c?.Function?.Name!, c?.Function?.Arguments!))] : null);

    /// <summary>
    /// OpenAI's <c>finish_reason</c>: "tool_calls" when a reply that stopped by itself called tools; a cancelled turn
    /// ended without reaching either limit, so it reports "stop".
    /// </summary>
    public static string FinishReason(TurnFinish finish, bool calledTools) =>
        finish == TurnFinish.Length ? "length" : calledTools ? "tool_calls" : "stop";
}
