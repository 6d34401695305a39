using SmolLM3.Engine.Chat;

namespace SmolLM3.Cli;

/// <summary>
/// Writes a reply as it streams: the answer to stdout; reasoning, tool calls and warnings to stderr
/// (dimmed on a terminal), so the answer can be piped on its own.
/// </summary>
sealed class ChatOutput(TextWriter stdout, TextWriter stderr)
{
    readonly bool _ansi = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
    bool _inReasoning;

    public FinishedEvent? Finished { get; private set; }
    public System.Text.StringBuilder Answer { get; } = new();
    public System.Text.StringBuilder Reasoning { get; } = new();
    public List<ToolCall> ToolCalls { get; } = [];

    public void Write(ChatEvent e, bool echo = true)
    {
        switch (e)
        {
            case ReasoningDelta r:
                Reasoning.Append(r.Text);
                if (!echo) break;
                if (!_inReasoning) stderr.Write(_ansi ? "\u001b[2m<think>" : "<think>");
                _inReasoning = true;
                stderr.Write(r.Text);
                break;
            case AnswerDelta a:
                CloseReasoning(echo);
                Answer.Append(a.Text);
                if (echo) { stdout.Write(a.Text); stdout.Flush(); }
                break;
            case ToolCallEvent t:
                CloseReasoning(echo);
                ToolCalls.Add(t.Call);
                if (echo) stderr.WriteLine($"[tool call] {t.Call.Name} {t.Call.Arguments}");
                break;
            case WarningEvent w:
                if (echo) stderr.WriteLine($"warning: {w.Message}");
                break;
            case FinishedEvent f:
                CloseReasoning(echo);
                Finished = f;
                break;
        }
    }

    void CloseReasoning(bool echo)
    {
        if (!_inReasoning) return;
        _inReasoning = false;
        if (echo) stderr.WriteLine(_ansi ? "</think>\u001b[0m" : "</think>");
    }
}
