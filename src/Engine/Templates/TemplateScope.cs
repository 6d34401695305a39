namespace SmolLM3.Engine.Templates;

/// <summary>
/// A variable frame. jinja2 gives each loop iteration and each macro call a fresh frame, so a <c>set</c>
/// inside them does not leak out (hence <c>namespace()</c>); <c>if</c> blocks share their parent's frame.
/// </summary>
sealed class Scope(Scope? parent)
{
    readonly Scope? parent = parent;
    readonly Dictionary<string, object?> vars = new();

    public void Set(string name, object? value) => vars[name] = value;

    public object? Lookup(string name)
    {
        for (var s = this; s is not null; s = s.parent)
            if (s.vars.TryGetValue(name, out var v)) return v;
        return new Undefined($"'{name}' is undefined");
    }
}

/// <summary>The <c>loop</c> variable inside a for loop.</summary>
sealed class LoopContext(IReadOnlyList<object?> items, int index0)
{
    public int Index => index0 + 1;
    public int Length => items.Count;

    public object? Get(string name) => name switch
    {
        "index" => (long)index0 + 1,
        "index0" => (long)index0,
        "revindex" => (long)(items.Count - index0),
        "revindex0" => (long)(items.Count - index0 - 1),
        "first" => index0 == 0,
        "last" => index0 == items.Count - 1,
        "length" => (long)items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => index0 > 0 ? items[index0 - 1] : new Undefined("there is no previous item"),
        "nextitem" => index0 + 1 < items.Count ? items[index0 + 1] : new Undefined("there is no next item"),
        "cycle" => (TemplateFunction)(args => args.Positional.Count == 0
            ? throw new TemplateException("no items for cycling given")
            : args.Positional[index0 % args.Positional.Count]),
        _ => new Undefined($"'LoopContext object' has no attribute '{name}'"),
    };
}
