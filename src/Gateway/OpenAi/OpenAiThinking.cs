using System.Text.Json;
using SmolLM3.Contracts.Errors;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// Whether the reply may reason first (the template's <c>enable_thinking</c>): <c>chat_template_kwargs.enable_thinking</c>
/// (vLLM's convention) or <c>reasoning_effort</c> ("none", "minimal" and "low" off; "medium" and "high" on); off
/// when neither is given. Given both, they must agree.
/// </summary>
public static class OpenAiThinking
{
    public static bool From(ChatCompletionRequest request)
    {
        bool? kwarg = null, effort = request.ReasoningEffort is { } e ? Effort(e) : null;
        foreach (var (name, value) in request.ChatTemplateKwargs ?? [])
        {
            if (name != "enable_thinking") throw new InvalidRequestException($"chat_template_kwargs.{name} is not supported; only enable_thinking is");
            kwarg = value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new InvalidRequestException($"chat_template_kwargs.enable_thinking must be true or false, not {value.GetRawText()}"),
            };
        }
        if (kwarg is { } k && effort is { } r && k != r)
            throw new InvalidRequestException($"chat_template_kwargs.enable_thinking ({k}) contradicts reasoning_effort '{request.ReasoningEffort}'");
        return kwarg ?? effort ?? false;
    }

    static bool Effort(string effort) => effort switch
    {
        "none" or "minimal" or "low" => false,
        "medium" or "high" => true,
        _ => throw new InvalidRequestException($"reasoning_effort '{effort}' is not one of none, minimal, low, medium, high"),
    };
}
