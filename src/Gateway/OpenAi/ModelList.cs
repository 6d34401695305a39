using System.Text.Json.Serialization;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>The reply of <c>GET /v1/models</c>.</summary>
public sealed record ModelList(IReadOnlyList<ModelCard> Data)
{
    [JsonPropertyOrder(-1)]
    public string Object => "list";
}

/// <summary>One model; <c>context_length</c> is an extension (the longest prompt plus reply, in tokens).</summary>
public sealed record ModelCard(string Id, int ContextLength)
{
    [JsonPropertyOrder(-1)]
    public string Object => "model";
    public long Created => 0;
    public string OwnedBy => "smollm3";
}
