using System.Globalization;

namespace SmolLM3.Engine.Templates;

/// <summary>
/// Recursive-descent parser over <see cref="TemplateLexer"/> tokens, with jinja2's precedence:
/// <c>x if c else y</c> → or → and → not → comparisons/in/not in → + - → ~ → * / // % → ** → unary − →
/// postfix (. [] ()) → filters and tests.
/// </summary>
sealed class TemplateParser
{
    readonly List<Token> tokens;
    int i;
    int loopDepth;

    TemplateParser(List<Token> tokens) => this.tokens = tokens;

    public static List<Node> Parse(string source)
    {
        var parser = new TemplateParser(TemplateLexer.Tokenize(source));
        return parser.ParseUntil(null, out _);
    }

    Token Peek => tokens[i];
    Token PeekAt(int k) => tokens[Math.Min(i + k, tokens.Count - 1)];
    Token Next() => tokens[i++];
    bool IsOp(string op) => Peek.Kind == TokenKind.Op && Peek.Value == op;
    bool IsName(string name) => Peek.Kind == TokenKind.Name && Peek.Value == name;

    TemplateSyntaxException Error(string message, Token at) => new(message, at.Line, at.Column);

    Token ExpectOp(string op) => IsOp(op) ? Next() : throw Error($"expected '{op}', got {Peek}", Peek);
    Token ExpectName(string? name = null)
    {
        if (Peek.Kind == TokenKind.Name && (name is null || Peek.Value == name)) return Next();
        throw Error(name is null ? $"expected a name, got {Peek}" : $"expected '{name}', got {Peek}", Peek);
    }
    void ExpectBlockEnd()
    {
        if (Peek.Kind != TokenKind.BlockEnd) throw Error($"expected end of statement '%}}', got {Peek}", Peek);
        Next();
    }

    /// <summary>Parses nodes until one of the <paramref name="ends"/> tags (consumed, with its '{%'); null = top level.</summary>
    List<Node> ParseUntil((string Tag, Token Opened, string[] Names)? ends, out string end)
    {
        var nodes = new List<Node>();
        while (true)
        {
            var t = Peek;
            switch (t.Kind)
            {
                case TokenKind.Text: Next(); nodes.Add(new TextNode(t.Value)); break;
                case TokenKind.VarBegin:
                    Next();
                    nodes.Add(new OutputNode(ParseTuple(true)));
                    if (Peek.Kind != TokenKind.VarEnd) throw Error($"expected end of print statement '}}}}', got {Peek}", Peek);
                    Next();
                    break;
                case TokenKind.BlockBegin:
                    var name = PeekAt(1);
                    if (ends is { } e && name.Kind == TokenKind.Name && e.Names.Contains(name.Value))
                    {
                        i += 2;
                        end = name.Value;
                        return nodes;
                    }
                    Next();
                    nodes.Add(ParseStatement());
                    break;
                case TokenKind.Eof:
                    if (ends is { } open)
                        throw Error($"unexpected end of template, expected {string.Join(" or ", open.Names.Select(n => $"'{n}'"))} " +
                            $"to close '{open.Tag}' from line {open.Opened.Line}", t);
                    end = "";
                    return nodes;
                default: throw Error($"unexpected {t}", t);
            }
        }
    }

    Node ParseStatement()
    {
        var t = Peek.Kind == TokenKind.Name ? Next() : throw Error($"expected a tag name, got {Peek}", Peek);
        switch (t.Value)
        {
            case "if": return ParseIf(t);
            case "for": return ParseFor(t);
            case "set": return ParseSet(t);
            case "macro": return ParseMacro(t);
            case "generation":
                ExpectBlockEnd();
                var body = ParseUntil(("generation", t, ["endgeneration"]), out _);
                ExpectBlockEnd();
                return new GroupNode(body);
            case "break" or "continue":
                if (loopDepth == 0) throw Error($"'{t.Value}' outside of a loop", t);
                ExpectBlockEnd();
                return t.Value == "break" ? new BreakNode() : new ContinueNode();
            default:
                throw Error($"unknown tag '{t.Value}'", t);
        }
    }

    IfNode ParseIf(Token opened)
    {
        var condition = ParseTuple(true);
        ExpectBlockEnd();
        var then = ParseUntil(("if", opened, ["elif", "else", "endif"]), out var end);
        List<Node> otherwise = [];
        if (end == "elif") otherwise = [ParseIf(opened)];
        else if (end == "else")
        {
            ExpectBlockEnd();
            otherwise = ParseUntil(("if", opened, ["endif"]), out _);
            ExpectBlockEnd();
        }
        else ExpectBlockEnd();
        return new IfNode(condition, then, otherwise);
    }

    ForNode ParseFor(Token opened)
    {
        bool paren = IsOp("(");
        if (paren) Next();
        var targets = new List<string> { ExpectName().Value };
        while (IsOp(",")) { Next(); targets.Add(ExpectName().Value); }
        if (paren) ExpectOp(")");
        ExpectName("in");
        var iterable = ParseTuple(false);
        Expr? filter = null;
        if (IsName("if")) { Next(); filter = ParseExpression(); }
        if (IsName("recursive")) throw Error("recursive loops are not supported", Peek);
        ExpectBlockEnd();
        loopDepth++;
        var body = ParseUntil(("for", opened, ["else", "endfor"]), out var end);
        loopDepth--;
        List<Node> otherwise = [];
        if (end == "else")
        {
            ExpectBlockEnd();
            otherwise = ParseUntil(("for", opened, ["endfor"]), out _);
        }
        ExpectBlockEnd();
        return new ForNode(targets, iterable, filter, body, otherwise);
    }

    Node ParseSet(Token opened)
    {
        var first = ExpectName();
        Expr target = new NameExpr(first.Value, first.Line, first.Column);
        if (IsOp("."))
        {
            Next();
            var attr = ExpectName();
            target = new AttrExpr(target, attr.Value, attr.Line, attr.Column);
        }
        else if (IsOp(","))
        {
            var names = new List<Expr> { target };
            while (IsOp(",")) { Next(); var n = ExpectName(); names.Add(new NameExpr(n.Value, n.Line, n.Column)); }
            target = new TupleExpr(names, first.Line, first.Column);
        }
        if (IsOp("="))
        {
            Next();
            var value = ParseTuple(true);
            ExpectBlockEnd();
            return new SetNode(target, value);
        }
        if (target is not NameExpr) throw Error($"expected '=', got {Peek}", Peek);
        ExpectBlockEnd();
        var body = ParseUntil(("set", opened, ["endset"]), out _);
        ExpectBlockEnd();
        return new SetBlockNode(first.Value, body);
    }

    MacroNode ParseMacro(Token opened)
    {
        var name = ExpectName().Value;
        ExpectOp("(");
        var parameters = new List<(string, Expr?)>();
        while (!IsOp(")"))
        {
            if (parameters.Count > 0) ExpectOp(",");
            var p = ExpectName().Value;
            Expr? dflt = null;
            if (IsOp("=")) { Next(); dflt = ParseExpression(); }
            parameters.Add((p, dflt));
        }
        Next();
        ExpectBlockEnd();
        int savedDepth = loopDepth;
        loopDepth = 0;
        var body = ParseUntil(("macro", opened, ["endmacro"]), out _);
        loopDepth = savedDepth;
        if (Peek.Kind == TokenKind.Name) Next(); // {% endmacro name %}
        ExpectBlockEnd();
        return new MacroNode(name, parameters, body);
    }

    /// <summary>An expression, or a bare tuple <c>a, b</c>; without conditions it stops at <c>if</c> (for-loop filters).</summary>
    Expr ParseTuple(bool withCondition)
    {
        var start = Peek;
        Expr Item() => withCondition ? ParseExpression() : ParseOr();
        var first = Item();
        if (!IsOp(",")) return first;
        var items = new List<Expr> { first };
        while (IsOp(","))
        {
            Next();
            if (Peek.Kind is TokenKind.VarEnd or TokenKind.BlockEnd || IsName("if")) break;
            items.Add(Item());
        }
        return new TupleExpr(items, start.Line, start.Column);
    }

    Expr ParseExpression()
    {
        var e = ParseOr();
        while (IsName("if"))
        {
            var t = Next();
            var condition = ParseOr();
            Expr? otherwise = null;
            if (IsName("else")) { Next(); otherwise = ParseExpression(); }
            e = new CondExpr(condition, e, otherwise, t.Line, t.Column);
        }
        return e;
    }

    Expr ParseOr()
    {
        var e = ParseAnd();
        while (IsName("or")) { var t = Next(); e = new BinaryExpr("or", e, ParseAnd(), t.Line, t.Column); }
        return e;
    }

    Expr ParseAnd()
    {
        var e = ParseNot();
        while (IsName("and")) { var t = Next(); e = new BinaryExpr("and", e, ParseNot(), t.Line, t.Column); }
        return e;
    }

    Expr ParseNot()
    {
        if (!IsName("not")) return ParseCompare();
        var t = Next();
        return new UnaryExpr("not", ParseNot(), t.Line, t.Column);
    }

    Expr ParseCompare()
    {
        var start = Peek;
        var first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            string? op = null;
            if (Peek.Kind == TokenKind.Op && Peek.Value is "==" or "!=" or "<" or ">" or "<=" or ">=") op = Next().Value;
            else if (IsName("in")) { Next(); op = "in"; }
            else if (IsName("not") && PeekAt(1) is { Kind: TokenKind.Name, Value: "in" }) { i += 2; op = "not in"; }
            if (op is null) break;
            rest.Add((op, ParseMath1()));
        }
        return rest.Count == 0 ? first : new CompareExpr(first, rest, start.Line, start.Column);
    }

    Expr ParseBinary(Func<Expr> operand, params string[] ops)
    {
        var e = operand();
        while (Peek.Kind == TokenKind.Op && ops.Contains(Peek.Value))
        {
            var t = Next();
            e = new BinaryExpr(t.Value, e, operand(), t.Line, t.Column);
        }
        return e;
    }

    Expr ParseMath1() => ParseBinary(ParseConcat, "+", "-");
    Expr ParseConcat() => ParseBinary(ParseMath2, "~");
    Expr ParseMath2() => ParseBinary(ParsePow, "*", "/", "//", "%");
    Expr ParsePow() => ParseBinary(() => ParseUnary(true), "**");

    // As in jinja2, a filter after unary minus applies to the negated value: -x|abs is abs(-x).
    Expr ParseUnary(bool withFilter)
    {
        Expr e;
        if (IsOp("-") || IsOp("+"))
        {
            var t = Next();
            var operand = ParseUnary(false);
            e = t.Value == "-" ? new UnaryExpr("-", operand, t.Line, t.Column) : operand;
        }
        else e = ParsePrimary();
        e = ParsePostfix(e);
        return withFilter ? ParseFilters(e) : e;
    }

    Expr ParsePrimary()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.Name:
                return t.Value switch
                {
                    "true" or "True" => new LiteralExpr(true, t.Line, t.Column),
                    "false" or "False" => new LiteralExpr(false, t.Line, t.Column),
                    "none" or "None" => new LiteralExpr(null, t.Line, t.Column),
                    _ => new NameExpr(t.Value, t.Line, t.Column),
                };
            case TokenKind.String:
                var s = t.Value;
                while (Peek.Kind == TokenKind.String) s += Next().Value; // "a" "b" is "ab", as in Python
                return new LiteralExpr(s, t.Line, t.Column);
            case TokenKind.Integer:
                return long.TryParse(t.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var l)
                    ? new LiteralExpr(l, t.Line, t.Column)
                    : new LiteralExpr(double.Parse(t.Value, CultureInfo.InvariantCulture), t.Line, t.Column);
            case TokenKind.Float:
                return new LiteralExpr(double.Parse(t.Value, CultureInfo.InvariantCulture), t.Line, t.Column);
            case TokenKind.Op when t.Value == "(":
                if (IsOp(")")) { Next(); return new TupleExpr([], t.Line, t.Column); }
                var inner = ParseExpression();
                if (IsOp(","))
                {
                    var items = new List<Expr> { inner };
                    while (IsOp(",")) { Next(); if (IsOp(")")) break; items.Add(ParseExpression()); }
                    inner = new TupleExpr(items, t.Line, t.Column);
                }
                ExpectOp(")");
                return inner;
            case TokenKind.Op when t.Value == "[":
                var list = new List<Expr>();
                while (!IsOp("]"))
                {
                    if (list.Count > 0) { ExpectOp(","); if (IsOp("]")) break; }
                    list.Add(ParseExpression());
                }
                Next();
                return new ListExpr(list, t.Line, t.Column);
            case TokenKind.Op when t.Value == "{":
                var pairs = new List<(Expr, Expr)>();
                while (!IsOp("}"))
                {
                    if (pairs.Count > 0) { ExpectOp(","); if (IsOp("}")) break; }
                    var key = ParseExpression();
                    ExpectOp(":");
                    pairs.Add((key, ParseExpression()));
                }
                Next();
                return new DictExpr(pairs, t.Line, t.Column);
            default:
                throw Error($"unexpected {t}, expected an expression", t);
        }
    }

    Expr ParsePostfix(Expr e)
    {
        while (true)
        {
            if (IsOp("."))
            {
                var dot = Next();
                var name = Next();
                e = name.Kind switch
                {
                    TokenKind.Name => new AttrExpr(e, name.Value, dot.Line, dot.Column),
                    TokenKind.Integer => new ItemExpr(e, new LiteralExpr(long.Parse(name.Value, CultureInfo.InvariantCulture), name.Line, name.Column), dot.Line, dot.Column),
                    _ => throw Error($"expected an attribute name after '.', got {name}", name),
                };
            }
            else if (IsOp("[")) e = ParseSubscript(e, Next());
            else if (IsOp("(")) { var t = Next(); e = new CallExpr(e, ParseArguments(), t.Line, t.Column); }
            else return e;
        }
    }

    Expr ParseSubscript(Expr target, Token open)
    {
        Expr? start = IsOp(":") ? null : ParseExpression();
        if (start is not null && IsOp("]")) { Next(); return new ItemExpr(target, start, open.Line, open.Column); }
        ExpectOp(":");
        Expr? stop = IsOp("]") || IsOp(":") ? null : ParseExpression();
        Expr? step = null;
        if (IsOp(":")) { Next(); if (!IsOp("]")) step = ParseExpression(); }
        ExpectOp("]");
        return new SliceExpr(target, start, stop, step, open.Line, open.Column);
    }

    /// <summary>Call arguments after '(' through ')': positional then name=value.</summary>
    Arguments ParseArguments()
    {
        var args = new Arguments([], []);
        while (!IsOp(")"))
        {
            if (args.Positional.Count + args.Named.Count > 0) { ExpectOp(","); if (IsOp(")")) break; }
            if (Peek.Kind == TokenKind.Name && PeekAt(1) is { Kind: TokenKind.Op, Value: "=" })
            {
                var name = Next().Value;
                Next();
                args.Named.Add((name, ParseExpression()));
            }
            else
            {
                if (args.Named.Count > 0) throw Error("positional argument follows keyword argument", Peek);
                args.Positional.Add(ParseExpression());
            }
        }
        Next();
        return args;
    }

    Expr ParseFilters(Expr e)
    {
        while (true)
        {
            if (IsOp("|"))
            {
                var bar = Next();
                var nameToken = ExpectName();
                var name = nameToken.Value;
                if (!TemplateFilters.Names.Contains(name)) throw Error($"no filter named '{name}'", nameToken);
                var args = Arguments.None;
                if (IsOp("(")) { Next(); args = ParseArguments(); }
                e = new FilterExpr(e, name, args, bar.Line, bar.Column);
            }
            else if (IsName("is"))
            {
                var t = Next();
                bool negated = false;
                if (IsName("not")) { Next(); negated = true; }
                var nameToken = ExpectName();
                var name = nameToken.Value;
                if (!TemplateTests.Names.Contains(name)) throw Error($"no test named '{name}'", nameToken);
                var args = Arguments.None;
                if (IsOp("(")) { Next(); args = ParseArguments(); }
                else if (Peek.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float || IsOp("[") || IsOp("{"))
                {
                    // `x is divisibleby 3`: one bare argument, unless the next word continues the expression.
                    if (!(Peek.Kind == TokenKind.Name && Peek.Value is "else" or "or" or "and" or "if" or "is" or "in" or "not"))
                        args = new Arguments([ParsePostfix(ParsePrimary())], []);
                }
                e = new TestExpr(e, name, args, negated, t.Line, t.Column);
            }
            else if (IsOp("(")) { var t = Next(); e = new CallExpr(e, ParseArguments(), t.Line, t.Column); }
            else return e;
        }
    }
}
