using System.Text.Json.Serialization;
using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// The reply of <c>POST /v1/completions</c>, and each streamed event of one (<c>"object": "text_completion"</c> both,
/// as OpenAI sends them); usage is on the whole reply, and on a streamed reply's extra last event when asked for.
/// </summary>
public sealed record TextCompletion(string Id, long Created, string Model, IReadOnlyList<TextChoice> Choices, CompletionUsage? Usage = null)
{
    [JsonPropertyOrder(-1)]
    public string Object => "text_completion";
}

/// <summary>One choice's text (all of it, or a streamed piece); <c>finish_reason</c> null until its last piece.</summary>
public sealed record TextChoice(string Text, int Index,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] TextLogprobs? Logprobs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason);

/// <summary>The legacy API's log-probabilities: parallel lists per token, the alternatives as token → log-probability.</summary>
public sealed record TextLogprobs(IReadOnlyList<string> Tokens, IReadOnlyList<double> TokenLogprobs,
    IReadOnlyList<Dictionary<string, double>> TopLogprobs, IReadOnlyList<int> TextOffset)
{
    /// <summary>The entries of <paramref name="tokens"/>, the first at character <paramref name="offset"/> of the text; null when none were asked for.</summary>
    public static TextLogprobs? From(IReadOnlyList<TurnLogProb>? tokens, int offset)
    {
        if (tokens is null) return null;
        var offsets = new List<int>(tokens.Count);
        foreach (var t in tokens)
        {
            offsets.Add(offset);
            offset += t.Token.Length;
        }
        return new([.. tokens.Select(t => t.Token)], [.. tokens.Select(t => t.LogProb)], [.. tokens.Select(Alternatives)], offsets);
    }

    static Dictionary<string, double> Alternatives(TurnLogProb token)
    {
        var top = new Dictionary<string, double>();
        foreach (var t in token.Top) top.TryAdd(t.Token, t.LogProb);   // two ids may decode alike: the likelier is kept
        return top;
    }
}
