using System.Text.Json;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// A legacy completion as the turn a chat completion with the same settings would be, but with the prompt's text as
/// the whole prompt (<see cref="ChatTurnRequest.RawPrompt"/>): no chat template, no reasoning or tool-call parsing.
/// </summary>
public static class CompletionMapping
{
    /// <summary>Most alternatives per token the legacy API allows.</summary>
    public const int MaxLogprobs = 5;

    /// <summary>The turn for <paramref name="request"/>; throws <see cref="InvalidRequestException"/>.</summary>
    public static ChatTurnRequest ToTurn(CompletionRequest request)
    {
        var prompt = Prompt(request);
        if (request.Logprobs is < 0 or > MaxLogprobs)
            throw new InvalidRequestException($"logprobs must be between 0 and {MaxLogprobs}; got {request.Logprobs}");
        if (request.Echo && request.Logprobs is not null)
            throw new InvalidRequestException("echo with logprobs is not supported: the prompt's own log-probabilities are not computed");
        var chat = new ChatCompletionRequest
        {
            Model = request.Model,
            Messages = [new ChatCompletionMessage { Role = "user", Content = prompt }],
            MaxTokens = request.MaxTokens,
            Temperature = request.Temperature,
            TopP = request.TopP,
            TopK = request.TopK,
            MinP = request.MinP,
            RepetitionPenalty = request.RepetitionPenalty,
            PresencePenalty = request.PresencePenalty,
            FrequencyPenalty = request.FrequencyPenalty,
            Stop = request.Stop,
            Seed = request.Seed,
            N = request.N,
            Logprobs = request.Logprobs is null ? null : true,
            TopLogprobs = request.Logprobs,
            OtherFields = request.OtherFields,
        };
        return OpenAiMapping.ToTurn(chat) with { RawPrompt = true };
    }

    /// <summary>The prompt's text: a string, or an array of one string.</summary>
    public static string Prompt(CompletionRequest request)
    {
        var text = request.Prompt switch
        {
            null or { ValueKind: JsonValueKind.Null } => throw new InvalidRequestException("prompt is required"),
            { ValueKind: JsonValueKind.String } s => s.GetString()!,
            { ValueKind: JsonValueKind.Array } a => One(a),
            var other => throw new InvalidRequestException($"prompt must be a string or an array of one string, not {other.Value.ValueKind}"),
        };
        return string.IsNullOrWhiteSpace(text) ? throw new InvalidRequestException("prompt is empty") : text;
    }

    static string One(JsonElement prompts)
    {
        if (prompts.EnumerateArray().Any(p => p.ValueKind is JsonValueKind.Number or JsonValueKind.Array))
            throw new InvalidRequestException("prompts of token ids are not supported; send the text");
        if (prompts.GetArrayLength() != 1)
            throw new InvalidRequestException($"prompt holds {prompts.GetArrayLength()} prompts; this server takes one per request");
        var first = prompts[0];
        return first.ValueKind switch
        {
            JsonValueKind.String => first.GetString()!,
            _ => throw new InvalidRequestException($"prompt[0] must be a string, not {first.ValueKind}"),
        };
    }
}
