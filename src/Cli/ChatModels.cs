using SmolLM3.Engine.Chat;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Cli;

/// <summary>Loads a <see cref="ChatModel"/> for a command: weights (with progress on a terminal), tokenizer, template, defaults.</summary>
static class ChatModels
{
    public static ChatModel Load(ModelRequest request, TextWriter stderr, string? templateFile = null)
    {
        using var source = request.Open();
        var lm = ModelLoader.Load(source, request, stderr);
        try
        {
            var chat = ChatModel.ForPath(request.Path, lm);
            if (templateFile is null) return chat;
            if (!File.Exists(templateFile)) throw new CliUsageException($"--template: file not found: {templateFile}");
            return new ChatModel(lm, chat.Tokenizer, chat.Prompts.WithTemplate(File.ReadAllText(templateFile)), chat.Defaults);
        }
        catch
        {
            lm.Dispose();
            throw;
        }
    }
}
