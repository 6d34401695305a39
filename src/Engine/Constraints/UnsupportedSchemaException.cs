namespace SmolLM3.Engine.Constraints;

/// <summary>A schema asks for something the grammar compiler cannot enforce; the message names it. Never ignored: a reply it would not constrain is refused.</summary>
public sealed class UnsupportedSchemaException(string message) : Exception(message);
