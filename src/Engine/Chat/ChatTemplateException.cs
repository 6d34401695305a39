namespace SmolLM3.Engine.Chat;

/// <summary>
/// The chat template failed on these messages. When the template itself called <c>raise_exception</c>,
/// <see cref="RaisedByTemplate"/> is set and <see cref="Exception.Message"/> is exactly the template's message,
/// so it can be shown to the user (it usually says what is wrong with the conversation).
/// </summary>
public sealed class ChatTemplateException(string message, bool raisedByTemplate, Exception inner) : Exception(message, inner)
{
    public bool RaisedByTemplate { get; } = raisedByTemplate;
}
