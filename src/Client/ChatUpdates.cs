using Microsoft.Extensions.AI;
using Wire = SmolLM3.Contracts.V1;

namespace SmolLM3.Client;

/// <summary>
/// Turns one StreamChat call's events into <see cref="ChatResponseUpdate"/>s: Started names the model and the session
/// (stamped on every update), deltas become <see cref="TextContent"/> or <see cref="TextReasoningContent"/>, tool calls
/// <see cref="FunctionCallContent"/>, usage <see cref="UsageContent"/>, and Finished the finish reason.
/// </summary>
sealed class ChatUpdates(bool includeReasoning)
{
    readonly string _responseId = Guid.NewGuid().ToString("N");
    string? _model, _session;
    bool _calledTools;

    /// <summary>The update for <paramref name="e"/>, or null for an event that carries nothing for the caller.</summary>
    public ChatResponseUpdate? From(Wire.ChatEvent e)
    {
        switch (e.EventCase)
        {
            case Wire.ChatEvent.EventOneofCase.Started:
                _model = e.Started.Model;
                _session = e.Started.SessionId is { Length: > 0 } id ? id : null;   // empty: a stateless turn
                return Update([]);
            case Wire.ChatEvent.EventOneofCase.Delta:
                if (e.Delta.Reasoning && !includeReasoning) return null;
                return Update([e.Delta.Reasoning ? new TextReasoningContent(e.Delta.Text) : new TextContent(e.Delta.Text)]);
            case Wire.ChatEvent.EventOneofCase.ToolCall:
                _calledTools = true;
                return Update([ToolText.Parse(e.ToolCall.Id, e.ToolCall.Name, e.ToolCall.Arguments)]);
            case Wire.ChatEvent.EventOneofCase.Usage:
                return Update([new UsageContent(new UsageDetails
                {
                    InputTokenCount = e.Usage.PromptTokens,
                    CachedInputTokenCount = e.Usage.CachedTokens,
                    OutputTokenCount = e.Usage.CompletionTokens,
                    TotalTokenCount = e.Usage.PromptTokens + e.Usage.CompletionTokens,
                })]);
            case Wire.ChatEvent.EventOneofCase.Finished:
                var update = Update([]);
                update.FinishReason = Reason(e.Finished);
                return update;
            default:
                return null;   // an event of a newer service this client does not know
        }
    }

    ChatResponseUpdate Update(IList<AIContent> contents) => new(ChatRole.Assistant, contents)
    {
        ResponseId = _responseId,
        MessageId = _responseId,
        ConversationId = _session,
        ModelId = _model,
    };

    /// <summary>A reply that stopped by itself after calling tools ends for the tool calls (as OpenAI reports it); a failed turn throws.</summary>
    ChatFinishReason Reason(Wire.Finished finished) => finished.Reason switch
    {
        Wire.FinishReason.Stop => _calledTools ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
        Wire.FinishReason.Length => ChatFinishReason.Length,
        Wire.FinishReason.Cancelled => SmolLMChatClient.Cancelled,
        _ => throw new SmolLMException(finished.Message is { Length: > 0 } m ? m : "the turn failed on the cluster", Grpc.Core.StatusCode.Internal),
    };
}
