using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Model;
using SmolLM3.Engine.Sampling;
using SmolLM3.Engine.Text;

namespace SmolLM3.Engine.Chat;

/// <summary>
/// A loaded model with everything a conversation needs: tokenizer, chat template, and the default
/// sampling settings and stop tokens from the model's own files.
/// </summary>
public sealed class ChatModel(ILanguageModel model, TextTokenizer tokenizer, ChatPromptBuilder prompts, SamplingOptions defaults) : IDisposable
{
    public ILanguageModel Model { get; } = model;
    public TextTokenizer Tokenizer { get; } = tokenizer;
    public ChatPromptBuilder Prompts { get; } = prompts;

    /// <summary>generation_config.json's settings (HF folders) with the model's EOS ids as stop tokens.</summary>
    public SamplingOptions Defaults { get; } = defaults;

    /// <summary>
    /// Tokenizer, template (ChatML when the files carry none) and defaults for the model at
    /// <paramref name="path"/> (HF folder or GGUF), around an already loaded <paramref name="model"/>.
    /// Replies stop at the config's and tokenizer's EOS ids and at ChatML's end of turn.
    /// </summary>
    public static ChatModel ForPath(string path, ILanguageModel model, Func<DateTime>? now = null)
    {
        var tokenizer = ModelTokenizers.Open(path);
        var prompts = ChatPromptBuilder.ForModel(path, now);
        var defaults = new SamplingOptions();
        var generationConfig = Path.Combine(path, "generation_config.json");
        if (Directory.Exists(path) && File.Exists(generationConfig)) defaults = SamplingOptions.FromGenerationConfig(File.ReadAllText(generationConfig));
        var stops = new HashSet<int>(defaults.StopTokenIds);
        stops.UnionWith(model.Config.EosTokenIds);
        if (tokenizer.EosId is { } eos) stops.Add(eos);
        if (tokenizer.TokenToId("<|im_end|>") is { } imEnd) stops.Add(imEnd);
        return new ChatModel(model, tokenizer, prompts, defaults with { StopTokenIds = stops });
    }

    /// <summary>
    /// Generates a reply to <paramref name="prompt"/> (the full rendered conversation), reusing what
    /// <paramref name="cache"/> already holds: the longest common prefix of <paramref name="cachedTokens"/>
    /// and the prompt is kept, only the rest is prefilled. <paramref name="cachedTokens"/> is updated to
    /// what the cache holds afterwards.
    /// </summary>
    public IEnumerable<ChatEvent> Reply(KvCache cache, List<int> cachedTokens, ChatPrompt prompt, SamplingOptions sampling,
        ChatTurnOptions? turn = null, CancellationToken cancellation = default)
    {
        int reuse = CommonPrefix(cachedTokens, prompt.Tokens);
        if (reuse == prompt.Tokens.Length) reuse--;   // at least one token must be fed to get logits
        cache.Truncate(reuse);
        cachedTokens.RemoveRange(reuse, cachedTokens.Count - reuse);
        cachedTokens.AddRange(prompt.Tokens[reuse..]);
        LastReusedTokens = reuse;

        var tokens = Generator.Generate(Model, cache, prompt.Tokens[reuse..], sampling, cancellation: cancellation);
        var options = (turn ?? new ChatTurnOptions()) with { StartInReasoning = prompt.OpensReasoning };
        return ChatTurn.Stream(Recorded(tokens, cachedTokens), new StreamingDecoder(Tokenizer), options);
    }

    /// <summary>
    /// The generator feeds a token to the cache only when asked for the next one, so a token is
    /// recorded as cached once its successor arrives; the last one (or one cut off by a stop string) is not.
    /// </summary>
    static IEnumerable<GeneratedToken> Recorded(IEnumerable<GeneratedToken> tokens, List<int> cachedTokens)
    {
        int? previous = null;
        foreach (var t in tokens)
        {
            if (previous is { } fed) cachedTokens.Add(fed);
            previous = t.Token;
            yield return t;
        }
    }

    /// <summary>How many prompt tokens the last <see cref="Reply"/> took from the cache.</summary>
    public int LastReusedTokens { get; private set; }

    static int CommonPrefix(List<int> a, int[] b)
    {
        int n = Math.Min(a.Count, b.Length), i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }

    public void Dispose() => Model.Dispose();
}
