using System.Text;

namespace SmolLM3.Engine.Templates;

/// <summary>Walks the AST: statements append to a StringBuilder, expressions produce Python-like values.</summary>
sealed class TemplateEvaluator
{
    internal enum Flow { Normal, Break, Continue }

    // Runaway macro recursion must fail as a TemplateException, not overflow the process stack.
    const int MaxMacroDepth = 200;
    int macroDepth;

    public Flow Exec(List<Node> nodes, Scope scope, StringBuilder sb)
    {
        foreach (var node in nodes)
        {
            var flow = Exec(node, scope, sb);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    Flow Exec(Node node, Scope scope, StringBuilder sb)
    {
        switch (node)
        {
            case TextNode t: sb.Append(t.Text); break;
            case OutputNode o: sb.Append(PyFormat.Str(Eval(o.Value, scope))); break;
            case IfNode n: return Exec(PyOps.Truthy(Eval(n.Condition, scope)) ? n.Then : n.Else, scope, sb);
            case ForNode f: ExecFor(f, scope, sb); break;
            case SetNode s: Assign(s.Target, Eval(s.Value, scope), scope); break;
            case SetBlockNode b:
                var captured = new StringBuilder();
                Exec(b.Body, scope, captured);
                scope.Set(b.Name, captured.ToString());
                break;
            case MacroNode m: scope.Set(m.Name, MakeMacro(m, scope)); break;
            case GroupNode g: return Exec(g.Body, scope, sb);
            case BreakNode: return Flow.Break;
            case ContinueNode: return Flow.Continue;
            default: throw new TemplateException($"unsupported node {node.GetType().Name}");
        }
        return Flow.Normal;
    }

    void ExecFor(ForNode f, Scope scope, StringBuilder sb)
    {
        var items = PyOps.Iterate(Eval(f.Iterable, scope));
        if (f.Filter is not null)
        {
            // The inline filter runs before loop.* is computed, so loop.length counts only kept items.
            items = items.Where(item =>
            {
                var probe = new Scope(scope);
                Bind(f.Targets, item, probe);
                return PyOps.Truthy(Eval(f.Filter, probe));
            }).ToList();
        }
        // jinja2 clears its "no iteration" flag at the end of the loop body, so the else block runs unless
        // some iteration finished its body: an empty loop, but also one whose every pass hit break/continue.
        bool completed = false;
        for (int i = 0; i < items.Count; i++)
        {
            var iteration = new Scope(scope);
            Bind(f.Targets, items[i], iteration);
            iteration.Set("loop", new LoopContext(items, i));
            var flow = Exec(f.Body, iteration, sb);
            if (flow == Flow.Break) break;
            if (flow == Flow.Normal) completed = true;
        }
        if (!completed) Exec(f.Else, scope, sb);
    }

    static void Bind(List<string> targets, object? item, Scope scope)
    {
        if (targets.Count == 1) { scope.Set(targets[0], item); return; }
        var values = item is string or IReadOnlyDictionary<string, object?> or IReadOnlyList<object?> ? PyOps.Iterate(item)
            : throw new TemplateException($"cannot unpack non-iterable {PyOps.TypeName(item)} object");
        if (values.Count != targets.Count)
            throw new TemplateException(values.Count > targets.Count
                ? $"too many values to unpack (expected {targets.Count})"
                : $"not enough values to unpack (expected {targets.Count}, got {values.Count})");
        for (int i = 0; i < targets.Count; i++) scope.Set(targets[i], values[i]);
    }

    void Assign(Expr target, object? value, Scope scope)
    {
        switch (target)
        {
            case NameExpr n: scope.Set(n.Name, value); break;
            case TupleExpr t: Bind(t.Items.Cast<NameExpr>().Select(n => n.Name).ToList(), value, scope); break;
            case AttrExpr { Target: NameExpr owner } a:
                if (scope.Lookup(owner.Name) is not Namespace ns)
                    throw new TemplateException($"line {a.Line}: cannot assign attribute on non-namespace object '{owner.Name}'");
                ns.Attributes[a.Name] = value;
                break;
            default: throw new TemplateException($"line {target.Line}: cannot assign to this expression");
        }
    }

    TemplateFunction MakeMacro(MacroNode m, Scope defining) => args =>
    {
        var frame = new Scope(defining);
        var extra = new List<object?>();
        for (int i = 0; i < args.Positional.Count; i++)
        {
            if (i < m.Parameters.Count) frame.Set(m.Parameters[i].Name, args.Positional[i]);
            else extra.Add(args.Positional[i]);
        }
        var kwargs = new Dictionary<string, object?>();
        foreach (var (name, value) in args.Named)
        {
            if (m.Parameters.Any(p => p.Name == name)) frame.Set(name, value);
            else kwargs[name] = value;
        }
        for (int i = args.Positional.Count; i < m.Parameters.Count; i++)
        {
            var (name, dflt) = m.Parameters[i];
            if (args.Named.ContainsKey(name)) continue;
            frame.Set(name, dflt is null ? new Undefined($"parameter '{name}' was not provided") : Eval(dflt, frame));
        }
        frame.Set("varargs", new PyTuple(extra));
        frame.Set("kwargs", kwargs);
        if (++macroDepth > MaxMacroDepth) throw new TemplateException($"macro '{m.Name}' recursed more than {MaxMacroDepth} levels");
        try
        {
            var sb = new StringBuilder();
            Exec(m.Body, frame, sb);
            return sb.ToString();
        }
        finally { macroDepth--; }
    };

    public object? Eval(Expr expr, Scope scope)
    {
        try
        {
            return EvalCore(expr, scope);
        }
        catch (Exception e) when (e is InvalidCastException or OverflowException or ArgumentException)
        {
            throw new TemplateException($"line {expr.Line}: {e.Message}");
        }
    }

    object? EvalCore(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case LiteralExpr l: return l.Value;
            case NameExpr n: return scope.Lookup(n.Name);
            case ListExpr l: return l.Items.Select(x => Eval(x, scope)).ToList();
            case TupleExpr t: return new PyTuple(t.Items.Select(x => Eval(x, scope)).ToList());
            case DictExpr d:
                var dict = new Dictionary<string, object?>();
                foreach (var (k, v) in d.Items)
                    dict[Eval(k, scope) as string ?? throw new TemplateException($"line {k.Line}: only string keys are supported in dict literals")] = Eval(v, scope);
                return dict;
            case AttrExpr a: return PyAccess.GetAttr(Eval(a.Target, scope), a.Name);
            case ItemExpr it: return PyAccess.GetItem(Eval(it.Target, scope), Eval(it.Index, scope));
            case SliceExpr s:
                return PyOps.Slice(Eval(s.Target, scope), SliceBound(s.Start, scope), SliceBound(s.Stop, scope), SliceBound(s.Step, scope));
            case CallExpr c:
                var callee = Eval(c.Callee, scope);
                return callee switch
                {
                    TemplateFunction f => f(EvalArgs(c.Args, scope)),
                    Undefined u => throw u.Fail(),
                    _ => throw new TemplateException($"line {c.Line}: '{PyOps.TypeName(callee)}' object is not callable"),
                };
            case FilterExpr f:
                return TemplateFilters.Apply(f.Name, Eval(f.Value, scope), EvalArgs(f.Args, scope), f.Line);
            case TestExpr t:
                return TemplateTests.Apply(t.Name, Eval(t.Value, scope), EvalArgs(t.Args, scope), t.Line) != t.Negated;
            case UnaryExpr { Op: "not" } u: return !PyOps.Truthy(Eval(u.Operand, scope));
            case UnaryExpr u: return PyOps.Negate(Eval(u.Operand, scope));
            case BinaryExpr { Op: "and" } b:
                var left = Eval(b.Left, scope);
                return PyOps.Truthy(left) ? Eval(b.Right, scope) : left;
            case BinaryExpr { Op: "or" } b:
                var first = Eval(b.Left, scope);
                return PyOps.Truthy(first) ? first : Eval(b.Right, scope);
            case BinaryExpr { Op: "~" } b:
                return PyFormat.Str(Eval(b.Left, scope)) + PyFormat.Str(Eval(b.Right, scope));
            case BinaryExpr b: return PyOps.Arithmetic(b.Op, Eval(b.Left, scope), Eval(b.Right, scope));
            case CompareExpr c: return Compare(c, scope);
            case CondExpr c:
                if (PyOps.Truthy(Eval(c.Condition, scope))) return Eval(c.Then, scope);
                return c.Else is null
                    ? new Undefined($"the inline if-expression on line {c.Line} evaluated to false and no else section was defined.")
                    : Eval(c.Else, scope);
            default: throw new TemplateException($"unsupported expression {expr.GetType().Name}");
        }
    }

    long? SliceBound(Expr? e, Scope scope) => e is null ? null : Eval(e, scope) switch
    {
        null => null,
        long l => l,
        bool b => b ? 1 : 0,
        var v => throw new TemplateException($"line {e.Line}: slice indices must be integers or None, not {PyOps.TypeName(v)}"),
    };

    bool Compare(CompareExpr c, Scope scope)
    {
        var left = Eval(c.First, scope);
        foreach (var (op, operand) in c.Rest)
        {
            var right = Eval(operand, scope);
            bool ok = op switch
            {
                "==" => PyOps.Equals(left, right),
                "!=" => !PyOps.Equals(left, right),
                "<" => PyOps.Compare(left, right) < 0,
                "<=" => PyOps.Compare(left, right) <= 0,
                ">" => PyOps.Compare(left, right) > 0,
                ">=" => PyOps.Compare(left, right) >= 0,
                "in" => PyOps.Contains(right, left),
                "not in" => !PyOps.Contains(right, left),
                _ => throw new TemplateException($"unknown comparison {op}"),
            };
            if (!ok) return false;
            left = right;
        }
        return true;
    }

    CallArgs EvalArgs(Arguments args, Scope scope)
    {
        if (args.Positional.Count == 0 && args.Named.Count == 0) return CallArgs.Empty;
        var named = new Dictionary<string, object?>();
        foreach (var (name, value) in args.Named) named[name] = Eval(value, scope);
        return new CallArgs(args.Positional.Select(p => Eval(p, scope)).ToList(), named);
    }
}
