using System.CommandLine;
using System.Text.Json;
using SmolLM3.Engine.Text;

namespace SmolLM3.Cli.Commands;

/// <summary><c>smollm3 tokenize --model M [--parse-special] &lt; text</c>: the token ids of standard input as a JSON array.</summary>
static class TokenizeCommand
{
    public static Command Create()
    {
        var model = new ModelOptions(loads: false);
        var parseSpecial = new Option<bool>("--parse-special") { Description = "Match special tokens such as <|im_start|> in the text" };
        var command = new Command("tokenize", "Print the token ids of standard input as a JSON array");
        model.AddTo(command);
        command.Add(parseSpecial);
        command.SetAction(async (parsed, ct) =>
        {
            var request = model.Read(parsed);
            var tokenizer = ModelTokenizers.Open(request.Path);
            var text = await Cli.Input.ReadToEndAsync(ct);
            var ids = tokenizer.Encode(text, parsed.GetValue(parseSpecial));
            parsed.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(ids));
            return Cli.Ok;
        });
        return command;
    }
}
