using Microsoft.Extensions.DependencyInjection;
using SmolLM3.Hosting;
using SmolLM3.Silo.Models;

namespace SmolLM3.Cluster.Tests.Scripted;

/// <summary>
/// A cluster whose model replies with <see cref="ScriptedModel.Script"/>, conversations stored in a folder, and a
/// chat template that opens the &lt;think&gt; block in the prompt when thinking is on (ChatML otherwise).
/// </summary>
public class ScriptedClusterFixture : ClusterFixture
{
    /// <summary>ChatML; with enable_thinking the assistant's turns (and the generation prompt) start inside &lt;think&gt;.</summary>
    const string Template =
        "{%- for m in messages -%}{{- '<|im_start|>' + m.role + '\\n' -}}" +
        "{%- if m.role == 'assistant' and enable_thinking -%}{{- '<think>\\n' -}}{%- endif -%}" +
        "{{- m.content + '<|im_end|>\\n' -}}{%- endfor -%}" +
        "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- if enable_thinking -%}{{- '<think>\\n' -}}{%- endif -%}{%- endif -%}";

    readonly string _root = Directory.CreateTempSubdirectory("smollm3-scripted-").FullName;

    ScriptedModel? _scripted;

    /// <summary>The silo's model; set its script before a turn.</summary>
    public ScriptedModel Scripted => _scripted ?? throw new InvalidOperationException("the cluster is not started");

    /// <summary>Where the conversations are stored.</summary>
    public string DataFolder => Path.Combine(_root, "data");

    /// <summary>Token ids of <paramref name="text"/> (special tokens such as &lt;think&gt; parsed).</summary>
    public int[] Tokens(string text) => [.. Model.Tokenizer.Encode(text, parseSpecial: true)];

    protected override EmbeddedClusterOptions Customize(EmbeddedClusterOptions options) => options with
    {
        ModelPath = WithTemplate(options.ModelPath),
        DataFolder = DataFolder,
        ConfigureServices = services => services.AddSingleton(new ModelDecorator(loaded => _scripted = new ScriptedModel(loaded))),
    };

    /// <summary>The chat template written beside the model; null keeps the model's own (SmolLM3's official one).</summary>
    protected virtual string? ChatTemplate => Template;

    /// <summary>A model folder with copies of <paramref name="model"/>'s files plus the template.</summary>
    string WithTemplate(string model)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "model")).FullName;
        foreach (var file in Directory.EnumerateFiles(model))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
        if (ChatTemplate is { } template) File.WriteAllText(Path.Combine(folder, "chat_template.jinja"), template);
        return folder;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}
