namespace SmolLM3.Gateway.OpenAi;

/// <summary>OpenAI's error JSON: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
public sealed record ErrorBody(ErrorDetail Error);

public sealed record ErrorDetail(string Message, string Type, string Code)
{
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)]
    public string? Param => null;
}
