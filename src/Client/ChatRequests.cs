using Microsoft.Extensions.AI;
using Wire = SmolLM3.Contracts.V1;

namespace SmolLM3.Client;

/// <summary>Builds the Chat service's request from an <see cref="IChatClient"/> call.</summary>
static class ChatRequests
{
    /// <summary>
    /// The request for <paramref name="messages"/> under <paramref name="options"/>: with a
    /// <see cref="ChatOptions.ConversationId"/> they are appended to that session, without one they are the whole
    /// conversation of a stateless turn. Throws <see cref="NotSupportedException"/> for content the cluster cannot take.
    /// </summary>
    public static Wire.ChatRequest From(IEnumerable<ChatMessage> messages, ChatOptions? options, string? defaultModel)
    {
        var request = new Wire.ChatRequest
        {
            SessionId = options?.ConversationId ?? "",
            Model = options?.ModelId ?? defaultModel ?? "",
            Sampling = Sampling(options),
        };
        request.Messages.AddRange(messages.Select(Message));
        if (options?.Instructions is { Length: > 0 } instructions) WithInstructions(request.Messages, instructions);
        if (Thinking(options?.Reasoning) is { } thinking) request.Thinking = thinking;
        if (options?.Tools is { } tools)
        {
            request.XmlTools = new Wire.Tools();
            if (options.ToolMode is not NoneChatToolMode) request.XmlTools.Json.AddRange(tools.Select(ToolText.Definition));
        }
        return request;
    }

    /// <summary>
    /// Instructions lead the system message (templates read only a leading one), which they start when there is none.
    /// </summary>
    static void WithInstructions(IList<Wire.ChatMessage> messages, string instructions)
    {
        if (messages.Count > 0 && messages[0].Role == "system") messages[0].Content = $"{instructions}\n\n{messages[0].Content}";
        else messages.Insert(0, new Wire.ChatMessage { Role = "system", Content = instructions });
    }

    /// <summary>Reasoning effort None turns the model's thinking off, any other effort on; unset keeps the session's mode.</summary>
    static bool? Thinking(ReasoningOptions? reasoning) => reasoning?.Effort switch
    {
        null => null,
        ReasoningEffort.None => false,
        _ => true,
    };

    static Wire.SamplingParameters Sampling(ChatOptions? options)
    {
        var p = new Wire.SamplingParameters();
        if (options is null) return p;
        if (options.Temperature is { } temperature) p.Temperature = temperature;
        if (options.TopP is { } topP) p.TopP = topP;
        if (options.TopK is { } topK) p.TopK = topK;
        if (options.PresencePenalty is { } presence) p.PresencePenalty = presence;
        if (options.FrequencyPenalty is { } frequency) p.FrequencyPenalty = frequency;
        if (options.Seed is { } seed) p.Seed = seed;
        if (options.MaxOutputTokens is { } maxTokens) p.MaxTokens = maxTokens;
        if (options.StopSequences is { } stop) p.Stop.AddRange(stop);
        if (options.AdditionalProperties?.TryGetValue(ChatOptionKeys.MinP, out double minP) == true) p.MinP = minP;
        if (options.AdditionalProperties?.TryGetValue(ChatOptionKeys.RepetitionPenalty, out double penalty) == true) p.RepetitionPenalty = penalty;
        return p;
    }

    /// <summary>One message as text: its text, the calls an assistant made, and tool results (sent as the user's, as the template renders them).</summary>
    static Wire.ChatMessage Message(ChatMessage message, int index)
    {
        var parts = new List<string>();
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent text: parts.Add(text.Text); break;
                case FunctionCallContent call: parts.Add(ToolText.Call(call)); break;
                case FunctionResultContent result: parts.Add(ToolText.Result(result)); break;
                case TextReasoningContent or UsageContent: break;   // the template drops earlier reasoning; usage is not content
                default: throw new NotSupportedException($"messages[{index}] holds {content.GetType().Name}; the cluster takes text, tool calls and tool results only");
            }
        }
        var role = message.Role == ChatRole.Tool ? "user" : message.Role.Value;
        return new Wire.ChatMessage { Role = role, Content = string.Join("\n", parts) };
    }
}
