using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;
using SmolLM3.Engine.Chat;
using SmolLM3.Engine.Constraints;
using SmolLM3.Engine.Text;

namespace SmolLM3.Silo.Conversations;

/// <summary>A turn's <see cref="ReplyFormat"/> as the engine's token constraint over the model's vocabulary.</summary>
public static class ReplyConstraints
{
    /// <summary>
    /// The constraint for <paramref name="format"/>; null for free text. A prompt that leaves the model inside its
    /// reasoning gets the closing tag first, so the constrained value is the answer. Throws
    /// <see cref="InvalidRequestException"/> naming what the schema asks that cannot be enforced.
    /// </summary>
    public static TokenConstraint? For(ReplyFormat? format, TextTokenizer tokenizer, IReadOnlySet<int> stopTokenIds, string[] tools, bool opensReasoning)
    {
        if (format is null) return null;
        try
        {
            var grammar = format.Kind switch
            {
                ReplyFormatKind.JsonObject => JsonGrammar.AnyObject,
                ReplyFormatKind.JsonSchema => JsonSchemaCompiler.Compile(format.Schema ?? throw new UnsupportedSchemaException("a json_schema reply format needs a schema")),
                ReplyFormatKind.ToolCall => ToolCallGrammar.For(tools, format.ToolName),
                _ => throw new UnsupportedSchemaException($"unknown reply format {format.Kind}"),
            };
            if (opensReasoning) grammar = JsonGrammar.Sequence(JsonGrammar.Literal(ReasoningSplitter.CloseTag + "\n"), grammar);
            return new TokenConstraint(grammar, TokenVocabulary.For(tokenizer), stopTokenIds);
        }
        catch (UnsupportedSchemaException e)
        {
            throw new InvalidRequestException($"structured output: {e.Message}");
        }
    }
}
