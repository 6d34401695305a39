namespace SmolLM3.Engine.Templates;

// The AST. Statements render output; expressions compute values. Positions are kept for error messages.

abstract record Node;
sealed record TextNode(string Text) : Node;
sealed record OutputNode(Expr Value) : Node;
sealed record IfNode(Expr Condition, List<Node> Then, List<Node> Else) : Node;
/// <summary><c>for Targets in Iterable [if Filter]</c> … <c>else</c> … <c>endfor</c>.</summary>
sealed record ForNode(List<string> Targets, Expr Iterable, Expr? Filter, List<Node> Body, List<Node> Else) : Node;
/// <summary><c>set name = v</c>, <c>set a, b = v</c> or <c>set ns.attr = v</c> (Target is a NameExpr, TupleExpr or AttrExpr).</summary>
sealed record SetNode(Expr Target, Expr Value) : Node;
/// <summary><c>set name %}…{% endset</c>: captures rendered output.</summary>
sealed record SetBlockNode(string Name, List<Node> Body) : Node;
sealed record MacroNode(string Name, List<(string Name, Expr? Default)> Parameters, List<Node> Body) : Node;
/// <summary>A block that only groups its body (Hugging Face's <c>generation</c> tag).</summary>
sealed record GroupNode(List<Node> Body) : Node;
sealed record BreakNode : Node;
sealed record ContinueNode : Node;

abstract record Expr(int Line, int Column);
sealed record LiteralExpr(object? Value, int Line, int Column) : Expr(Line, Column);
sealed record NameExpr(string Name, int Line, int Column) : Expr(Line, Column);
sealed record ListExpr(List<Expr> Items, int Line, int Column) : Expr(Line, Column);
sealed record TupleExpr(List<Expr> Items, int Line, int Column) : Expr(Line, Column);
sealed record DictExpr(List<(Expr Key, Expr Value)> Items, int Line, int Column) : Expr(Line, Column);
sealed record AttrExpr(Expr Target, string Name, int Line, int Column) : Expr(Line, Column);
sealed record ItemExpr(Expr Target, Expr Index, int Line, int Column) : Expr(Line, Column);
sealed record SliceExpr(Expr Target, Expr? Start, Expr? Stop, Expr? Step, int Line, int Column) : Expr(Line, Column);
sealed record Arguments(List<Expr> Positional, List<(string Name, Expr Value)> Named)
{
    public static readonly Arguments None = new([], []);
}
sealed record CallExpr(Expr Callee, Arguments Args, int Line, int Column) : Expr(Line, Column);
sealed record FilterExpr(Expr Value, string Name, Arguments Args, int Line, int Column) : Expr(Line, Column);
sealed record TestExpr(Expr Value, string Name, Arguments Args, bool Negated, int Line, int Column) : Expr(Line, Column);
sealed record UnaryExpr(string Op, Expr Operand, int Line, int Column) : Expr(Line, Column);
/// <summary>Arithmetic, <c>~</c>, <c>and</c>, <c>or</c>.</summary>
sealed record BinaryExpr(string Op, Expr Left, Expr Right, int Line, int Column) : Expr(Line, Column);
/// <summary>A comparison chain <c>a &lt; b &lt;= c</c>, as in Python.</summary>
sealed record CompareExpr(Expr First, List<(string Op, Expr Operand)> Rest, int Line, int Column) : Expr(Line, Column);
sealed record CondExpr(Expr Condition, Expr Then, Expr? Else, int Line, int Column) : Expr(Line, Column);
