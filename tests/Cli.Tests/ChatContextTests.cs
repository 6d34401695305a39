using System.Text.RegularExpressions;

namespace SmolLM3.Cli.Tests;

/// <summary><c>chat</c> past its context: the message is not sent, the user is told both numbers, and the chat goes on.</summary>
public class ChatContextTests
{
    static readonly Regex Turn = new(@"\[(\d+) prompt tokens, (\d+) from cache, (\d+) generated\]");
    static readonly Regex NotSent = new(@"\(not sent: with this message the conversation needs (\d+) tokens but the context holds 200; send a shorter message, or /reset to start over\)");

    [SkippableFact]
    public async Task AMessagePastTheContextIsRefusedAndTheChatGoesOnShorterOrAfterAReset()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        var tooLong = string.Join(" ", Enumerable.Repeat("the sea and its many ships", 60));
        var input = $"Hello there\n{tooLong}\nA short one\n/reset\nHello again\n";
        var run = await CliRun.WithInput(input, "chat", "--model", model, "--context-length", "200", "--temperature", "0", "--max-tokens", "4", "--no-thinking");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.DoesNotContain("error", run.Stderr);
        var refused = NotSent.Match(run.Stderr);
        Assert.True(refused.Success, run.Stderr);
        Assert.True(int.Parse(refused.Groups[1].Value) > 200);
        Assert.Contains("(conversation reset)", run.Stderr);

        var turns = Turn.Matches(run.Stderr).Select(m => (Prompt: int.Parse(m.Groups[1].Value), Reused: int.Parse(m.Groups[2].Value))).ToList();
        Assert.Equal(3, turns.Count);   // the refused message is not a turn
        // the short message continues the first turn's conversation (its prompt holds all of it, from the cache) ...
        Assert.InRange(turns[1].Reused, turns[0].Prompt, turns[1].Prompt - 1);
        // ... and after /reset the conversation starts over: one user message again, as long as the first turn's prompt give or take its words
        Assert.True(turns[2].Prompt < turns[1].Prompt, $"{turns[2].Prompt} after the reset, {turns[1].Prompt} before");
        Assert.InRange(turns[2].Prompt, turns[0].Prompt - 3, turns[0].Prompt + 3);
    }
}
