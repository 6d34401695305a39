using System.CommandLine;
using System.Text.Json;
using SmolLM3.Engine.Chat;
using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Templates;

namespace SmolLM3.Cli.Commands;

/// <summary>
/// <c>smollm3 template --model M &lt; vars.json</c>: the chat prompt the model's template renders for the
/// given variables (messages, add_generation_prompt, enable_thinking, xml_tools, …), with the model's
/// bos/eos tokens as globals. <c>--template FILE</c> renders another template with the same globals.
/// </summary>
static class TemplateCommand
{
    public static Command Create()
    {
        var model = new ModelOptions(loads: false);
        var template = new Option<string?>("--template") { Description = "Template file to render instead of the model's" };
        var date = new Option<DateTime?>("--date") { Description = "Date strftime_now reports (default: now), for reproducible prompts" };
        var command = new Command("template", "Render the model's chat template for the JSON variables on standard input");
        model.AddTo(command);
        command.Add(template);
        command.Add(date);
        command.SetAction(async (parsed, ct) =>
        {
            var request = model.Read(parsed);
            var (source, globals) = Directory.Exists(request.Path)
                ? ChatTemplateSource.FromHuggingFace(request.Path)
                : FromGguf(request.Path);
            if (parsed.GetValue(template) is { } file)
                source = File.Exists(file) ? await File.ReadAllTextAsync(file, ct) : throw new CliUsageException($"--template: file not found: {file}");

            JsonDocument doc;
            try { doc = JsonDocument.Parse(await Cli.Input.ReadToEndAsync(ct)); }
            catch (JsonException e) { throw new CliUsageException($"standard input is not valid JSON: {e.Message}", e); }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new CliUsageException("standard input must be a JSON object of template variables");
                var vars = new Dictionary<string, object?>(globals);
                foreach (var (name, value) in ChatTemplate.VariablesFromJson(doc.RootElement)) vars[name] = value;
                try
                {
                    await parsed.InvocationConfiguration.Output.WriteAsync(ChatTemplate.Parse(source, parsed.GetValue(date) is { } d ? () => d : null).Render(vars));
                }
                catch (TemplateRaisedException e)
                {
                    throw new CliUsageException($"the template raised an error: {e.Message}", e);
                }
            }
            return Cli.Ok;
        });
        return command;
    }

    static (string, IReadOnlyDictionary<string, object?>) FromGguf(string path)
    {
        using var gguf = GgufFile.Open(path);
        return ChatTemplateSource.FromGguf(gguf.Metadata);
    }
}
