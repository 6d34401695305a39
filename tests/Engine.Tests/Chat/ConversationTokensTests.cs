using SmolLM3.Engine.Chat;
using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Tests.Text;
using SmolLM3.Engine.Text;

namespace SmolLM3.Engine.Tests.Chat;

/// <summary>Prefix reuse across turns: a reply recorded as text lets the next prompt extend its exact tokens.</summary>
public class ConversationTokensTests
{
    const int ImEnd = 128012;
    const string Prompt = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";

    static TextTokenizer Tokenizer => TestTokenizers.Get("smollm3");

    /// <summary>Runs a reply through a ChatTurn and records it; returns its tokens.</summary>
    static int[] Reply(ConversationTokens history, int[] prompt, int[] reply, FinishReason finish, ChatTurnOptions? options = null, int? cacheLength = null)
    {
        var turn = new ChatTurn(new StreamingDecoder(Tokenizer), options);
        for (int i = 0; i < reply.Length && !turn.IsFinished; i++) turn.Push(reply[i], i == reply.Length - 1 ? finish : null);
        history.Record(prompt, Prompt, reply, turn, Tokenizer, cacheLength ?? prompt.Length + reply.Length);
        return reply;
    }

    [SkippableFact]
    public void A_follow_up_that_renders_the_reply_back_reuses_every_token_even_ones_retokenizing_would_change()
    {
        var history = new ConversationTokens();
        var (prompt, reused) = history.Extend(Tokenizer, Prompt);
        Assert.Equal(0, reused);
        // "H"+"ello" is not how the tokenizer would write "Hello": only kept ids reproduce it.
        int[] reply = [.. Tokenizer.Encode("H"), .. Tokenizer.Encode("ello"), ImEnd];
        Reply(history, prompt, reply, FinishReason.StopToken);

        var (next, nextReused) = history.Extend(Tokenizer, Prompt + "Hello<|im_end|>\n<|im_start|>user\nMore<|im_end|>\n");
        Assert.Equal(prompt.Length + reply.Length, nextReused);
        Assert.Equal([.. prompt, .. reply], next[..nextReused]);
    }

    [SkippableFact]
    public void A_reply_cut_by_a_stop_string_keeps_only_the_tokens_the_cache_holds()
    {
        var history = new ConversationTokens();
        var (prompt, _) = history.Extend(Tokenizer, Prompt);
        var reply = Tokenizer.Encode("one two three").ToArray();
        Reply(history, prompt, reply, FinishReason.Length, new ChatTurnOptions { StopStrings = ["two"] }, cacheLength: prompt.Length + 1);

        Assert.Equal([.. prompt, reply[0]], history.Ids);
        var (_, reused) = history.Extend(Tokenizer, Prompt + "one<|im_end|>\n");
        Assert.Equal(prompt.Length + 1, reused);   // the common token prefix, as the text is not known
    }
}
