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
    /// <paramref name="cache"/> already holds as <paramref name="history"/> says (see <see cref="ConversationTokens"/>):
    /// only the rest is prefilled. <paramref name="history"/> records the reply once it ends, or what the cache
    /// holds if it is cut short (a stop string, cancellation).
    /// </summary>
    public IEnumerable<ChatEvent> Reply(KvCache cache, ConversationTokens history, ChatPrompt prompt, SamplingOptions sampling,
        ChatTurnOptions? turn = null, CancellationToken cancellation = default)
    {
        var (tokens, reused) = history.Extend(Tokenizer, prompt.Text);
        int keep = ConversationTokens.Keep(cache, reused, tokens.Length);
        LastReusedTokens = keep;
        var chat = new ChatTurn(new StreamingDecoder(Tokenizer), (turn ?? new ChatTurnOptions()) with { StartInReasoning = prompt.OpensReasoning });
        var reply = new List<int>();
        try
        {
            foreach (var token in Generator.Generate(Model, cache, tokens[keep..], sampling, cancellation: cancellation))
            {
                reply.Add(token.Token);
                foreach (var e in chat.Push(token)) yield return e;
                if (chat.IsFinished) yield break;   // a stop string: the generator stops here
            }
        }
        finally
        {
            history.Record(tokens, prompt.Text, reply, chat, Tokenizer, cache.Length);
        }
    }

    /// <summary>How many prompt tokens the last <see cref="Reply"/> took from the cache.</summary>
    public int LastReusedTokens { get; private set; }

    public void Dispose() => Model.Dispose();
}
