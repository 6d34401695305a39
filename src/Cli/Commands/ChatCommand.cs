using System.CommandLine;
using SmolLM3.Engine.Chat;
using SmolLM3.Engine.Model;

namespace SmolLM3.Cli.Commands;

/// <summary>
/// <c>smollm3 chat --model M</c>: a conversation on standard input, one user message per line, replies
/// streamed. The history is kept and its KV cache reused, so each turn only prefills what is new.
/// Ctrl-C stops the reply in progress, not the program; an empty line or end of input ends the chat.
/// A message that would take the conversation past the context is not sent: the user is told both numbers and
/// goes on with a shorter one, or <c>/reset</c>, which starts the conversation over (keeping the system message).
/// </summary>
static class ChatCommand
{
    public const string Reset = "/reset";

    public static Command Create()
    {
        var model = new ModelOptions(loads: true);
        var sampling = new SamplingFlags();
        var system = new Option<string?>("--system") { Description = "System message (SmolLM3: /think or /no_think in it switch reasoning)" };
        var thinking = ThinkingOptions.Create();
        var template = new Option<string?>("--template") { Description = "Chat template file to use instead of the model's" };
        var tools = ToolsOption.Create();

        var command = new Command("chat", "Chat with a model: one message per line on standard input, replies streamed");
        model.AddTo(command);
        sampling.AddTo(command);
        foreach (var o in new Option[] { system, thinking.On, thinking.Off, template, tools }) command.Add(o);
        command.SetAction(async (parsed, ct) =>
        {
            var request = model.Read(parsed);
            var stdout = parsed.InvocationConfiguration.Output;
            var stderr = parsed.InvocationConfiguration.Error;
            using var chat = ChatModels.Load(request, stderr, parsed.GetValue(template));
            var options = sampling.Read(parsed, chat.Defaults);
            var promptOptions = new ChatPromptOptions { EnableThinking = thinking.Read(parsed), XmlTools = ToolsOption.Read(parsed, tools) };
            var turnOptions = new ChatTurnOptions { StopStrings = sampling.StopStrings(parsed) };

            var history = new List<ChatMessage>();
            if (parsed.GetValue(system) is { } s) history.Add(ChatMessage.System(s));
            using var cache = chat.Model.NewCache();
            var cached = new ConversationTokens();
            bool interactive = !Console.IsInputRedirected && ReferenceEquals(Cli.Input, Console.In);

            while (!ct.IsCancellationRequested)
            {
                if (interactive) await stderr.WriteAsync("> ");
                var line = await Cli.Input.ReadLineAsync(ct);
                if (string.IsNullOrWhiteSpace(line)) break;
                if (line.Trim() == Reset)
                {
                    history.RemoveAll(m => m.Role != ChatRoles.System);
                    await stderr.WriteLineAsync("(conversation reset)");
                    continue;
                }
                history.Add(ChatMessage.User(line));
                var prompt = chat.Prompts.Build(history, chat.Tokenizer, promptOptions);
                if (prompt.Tokens.Length > cache.MaxLength)
                {
                    await NotSent(prompt.Tokens.Length, cache.MaxLength);
                    continue;
                }

                using var turn = CancellationTokenSource.CreateLinkedTokenSource(ct);
                ConsoleCancelEventHandler stopTurn = (_, e) => { e.Cancel = true; turn.Cancel(); };
                Console.CancelKeyPress += stopTurn;
                var output = new ChatOutput(stdout, stderr);
                try
                {
                    foreach (var e in chat.Reply(cache, cached, prompt, options, turnOptions, turn.Token)) output.Write(e);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await stderr.WriteLineAsync("\n(stopped)");
                }
                catch (ContextOverflowException e)   // the prompt as the cache tokenizes it, a few tokens off the rendered one
                {
                    await NotSent(e.Needed, e.Limit);
                    continue;
                }
                finally
                {
                    Console.CancelKeyPress -= stopTurn;
                }
                await stdout.WriteLineAsync();
                await stderr.WriteLineAsync($"[{prompt.Tokens.Length} prompt tokens, {chat.LastReusedTokens} from cache, {output.Finished?.TokenCount ?? 0} generated]");
                history.Add(new ChatMessage(ChatRoles.Assistant, output.Answer.ToString(),
                    output.Reasoning.Length > 0 ? output.Reasoning.ToString() : null, output.ToolCalls.Count > 0 ? output.ToolCalls : null));
            }
            return Cli.Ok;

            // The message is dropped from the history; the conversation stays as it was.
            async Task NotSent(int needed, int context)
            {
                history.RemoveAt(history.Count - 1);
                await stderr.WriteLineAsync($"(not sent: with this message the conversation needs {needed} tokens but the context holds {context}; "
                    + $"send a shorter message, or {Reset} to start over)");
            }
        });
        return command;
    }
}
