using System.Text;
using System.Text.Json;

namespace SmolLM3.Engine.Templates;

/// <summary>
/// A parsed jinja2 chat template, rendered the way Hugging Face transformers does (trim_blocks, lstrip_blocks,
/// loop controls, json.dumps-style <c>tojson</c>, <c>raise_exception</c>, <c>strftime_now</c>).
/// Values are string, bool, long, double, null, <see cref="IReadOnlyList{T}"/> and string-keyed
/// <see cref="IReadOnlyDictionary{TKey, TValue}"/>; other .NET numbers and collections are converted.
/// A parsed template is immutable: <see cref="Render"/> may run concurrently from many threads.
/// </summary>
public sealed class ChatTemplate
{
    readonly List<Node> nodes;
    readonly Func<DateTime> now;

    ChatTemplate(List<Node> nodes, Func<DateTime> now) => (this.nodes, this.now) = (nodes, now);

    /// <summary>Parses <paramref name="source"/>; throws <see cref="TemplateSyntaxException"/> with line and column.</summary>
    /// <param name="now">Clock for <c>strftime_now</c>; local time by default, as Python's datetime.now().</param>
    public static ChatTemplate Parse(string source, Func<DateTime>? now = null) =>
        new(TemplateParser.Parse(source), now ?? (() => DateTime.Now));

    /// <summary>Renders with these variables; throws <see cref="TemplateException"/> (or <see cref="TemplateRaisedException"/>).</summary>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        var root = new Scope(null);
        foreach (var (name, fn) in TemplateGlobals.All(now)) root.Set(name, fn);
        foreach (var (name, value) in variables) root.Set(name, PyOps.Normalize(value));
        var sb = new StringBuilder();
        new TemplateEvaluator().Exec(nodes, new Scope(root), sb);
        return sb.ToString();
    }

    /// <summary>Converts a JSON object (e.g. request or fixture variables) into template variables.</summary>
    public static IReadOnlyDictionary<string, object?> VariablesFromJson(JsonElement obj) =>
        TemplateJson.FromJson(obj) as IReadOnlyDictionary<string, object?>
            ?? throw new ArgumentException("template variables must be a JSON object", nameof(obj));
}
