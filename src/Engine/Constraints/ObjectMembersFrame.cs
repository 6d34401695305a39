namespace SmolLM3.Engine.Constraints;

/// <summary>A declared property of an object schema: its key, its value's grammar, and whether it must appear.</summary>
public sealed record PropertyGrammar(string Name, GrammarFrame Value, bool Required)
{
    /// <summary><c>"name":</c> as the first member, and <c>,"name":</c> after another.</summary>
    internal LiteralFrame First { get; } = new(System.Text.Json.JsonSerializer.Serialize(Name) + ":");
    internal LiteralFrame Later { get; } = new("," + System.Text.Json.JsonSerializer.Serialize(Name) + ":");
}

/// <summary>
/// The members of an object with declared properties, after its <c>{</c>, in declaration order: each optional one
/// may be left out, each required one must come; then <c>}</c>. <see cref="Index"/> is the next property it may write.
/// </summary>
public sealed record ObjectMembersFrame(PropertyGrammar[] Properties, int Index = 0, bool Wrote = false) : GrammarFrame
{
    static readonly LiteralFrame Close = new("}");

    internal override void Expand(GrammarStack rest, List<GrammarStack> output)
    {
        for (int j = Index; j < Properties.Length; j++)
        {
            var p = Properties[j];
            var after = new GrammarStack(p.Value, new GrammarStack(this with { Index = j + 1, Wrote = true }, rest));
            (Wrote ? p.Later : p.First).Expand(after, output);
            if (p.Required) return;
        }
        Close.Expand(rest, output);
    }
}
