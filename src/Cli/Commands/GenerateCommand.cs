using System.CommandLine;
using System.Text.Json;
using SmolLM3.Engine.Chat;

namespace SmolLM3.Cli.Commands;

/// <summary>
/// <c>smollm3 generate --model M --prompt TEXT</c>: one reply, streamed. The prompt goes through the
/// model's chat template (as a user message, after <c>--system</c>) unless <c>--raw</c>.
/// </summary>
static class GenerateCommand
{
    public static Command Create()
    {
        var model = new ModelOptions(loads: true);
        var sampling = new SamplingFlags();
        var prompt = new Option<string>("--prompt", "-p") { Description = "The prompt (read from standard input when omitted)" };
        var system = new Option<string?>("--system") { Description = "System message" };
        var raw = new Option<bool>("--raw") { Description = "Feed the prompt as plain text, without the chat template" };
        var thinking = ThinkingOptions.Create();
        var template = new Option<string?>("--template") { Description = "Chat template file to use instead of the model's" };
        var tools = ToolsOption.Create();
        var json = new Option<bool>("--json") { Description = "Print one JSON object (answer, reasoning, tool calls, finish) at the end instead of streaming" };

        var command = new Command("generate", "Generate one reply to a prompt, streamed as it is produced");
        model.AddTo(command);
        sampling.AddTo(command);
        foreach (var o in new Option[] { prompt, system, raw, thinking.On, thinking.Off, template, tools, json }) command.Add(o);
        command.SetAction(async (parsed, ct) =>
        {
            var request = model.Read(parsed);
            var text = parsed.GetValue(prompt) ?? await Cli.Input.ReadToEndAsync(ct);
            if (string.IsNullOrWhiteSpace(text)) throw new CliUsageException("the prompt is empty");
            using var chat = ChatModels.Load(request, parsed.InvocationConfiguration.Error, parsed.GetValue(template));
            var options = sampling.Read(parsed, chat.Defaults);

            ChatPrompt chatPrompt;
            if (parsed.GetValue(raw))
                chatPrompt = new ChatPrompt(text, [.. chat.Tokenizer.Encode(text, parseSpecial: true)], false);
            else
            {
                var messages = new List<ChatMessage>();
                if (parsed.GetValue(system) is { } s) messages.Add(ChatMessage.System(s));
                messages.Add(ChatMessage.User(text));
                chatPrompt = chat.Prompts.Build(messages, chat.Tokenizer, new ChatPromptOptions { EnableThinking = thinking.Read(parsed), XmlTools = ToolsOption.Read(parsed, tools) });
            }
            if (chatPrompt.Tokens.Length == 0) throw new CliUsageException("the prompt has no tokens");

            var output = new ChatOutput(parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error);
            bool echo = !parsed.GetValue(json);
            using var cache = chat.Model.NewCache();
            foreach (var e in chat.Reply(cache, new ConversationTokens(), chatPrompt, options, new ChatTurnOptions { StopStrings = sampling.StopStrings(parsed) }, ct))
                output.Write(e, echo);
            var stdout = parsed.InvocationConfiguration.Output;
            if (echo) stdout.WriteLine();
            else
                stdout.WriteLine(JsonSerializer.Serialize(new
                {
                    answer = output.Answer.ToString(),
                    reasoning = output.Reasoning.ToString(),
                    tool_calls = output.ToolCalls.Select(c => new { name = c.Name, arguments = c.Arguments }),
                    finish = output.Finished?.Reason.ToString(),
                    tokens = output.Finished?.TokenCount,
                    prompt_tokens = chatPrompt.Tokens.Length,
                }));
            return Cli.Ok;
        });
        return command;
    }
}
