using System.Text.Json;
using SmolLM3.Contracts.Errors;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// Request fields beyond those <see cref="ChatCompletionRequest"/> maps: ones that cannot change a local model's reply
/// are accepted and ignored; any other is refused by name, so nothing that would change the output is silently dropped.
/// </summary>
public static class OpenAiFields
{
    /// <summary>Accepted and ignored: bookkeeping, routing and caching hints of OpenAI's own service.</summary>
    public static readonly IReadOnlySet<string> Ignored = new HashSet<string>
    {
        "user", "store", "metadata", "service_tier", "safety_identifier", "prompt_cache_key", "prediction",
    };

    /// <summary>Throws <see cref="InvalidRequestException"/> for the first field that would change the reply and is not honoured.</summary>
    public static void Check(IReadOnlyDictionary<string, JsonElement>? fields)
    {
        foreach (var (name, value) in fields ?? new Dictionary<string, JsonElement>())
        {
            if (Ignored.Contains(name) || value.ValueKind == JsonValueKind.Null || IsDefault(name, value)) continue;
            throw new InvalidRequestException(name switch
            {
                "functions" or "function_call" => $"'{name}' is not supported; use tools and tool_choice",
                _ => $"'{name}' is not supported by this server",
            });
        }
    }

    /// <summary>Values that ask for what the server does anyway: plain text out.</summary>
    static bool IsDefault(string name, JsonElement value) => name switch
    {
        "modalities" => value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(m => m.ValueEquals("text")),
        _ => false,
    };
}
