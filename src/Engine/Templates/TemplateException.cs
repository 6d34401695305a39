namespace SmolLM3.Engine.Templates;

/// <summary>Any failure while parsing or rendering a chat template.</summary>
public class TemplateException(string message) : Exception(message);

/// <summary>A template that does not parse; <see cref="Line"/> and <see cref="Column"/> are 1-based.</summary>
public sealed class TemplateSyntaxException(string message, int line, int column)
    : TemplateException($"line {line}, column {column}: {message}")
{
    public int Line { get; } = line;
    public int Column { get; } = column;
    public string Reason { get; } = message;
}

/// <summary>The template itself called <c>raise_exception(msg)</c>; <see cref="Exception.Message"/> is exactly msg.</summary>
public sealed class TemplateRaisedException(string message) : TemplateException(message);
