namespace SmolLM3.Engine.Sampling;

/// <summary>
/// Chooses the next token from one row of logits. Pure C# on a copy of the row, so it behaves the same
/// whatever device produced the logits. Owns its RNG: with a seed, the same logits and history give the
/// same tokens. Buffers are reused across calls; not thread-safe — one sampler per sequence.
/// </summary>
/// <remarks>
/// Order (transformers / llama.cpp): repetition penalty → presence and frequency penalties → greedy when
/// temperature is 0, otherwise top-k → temperature → softmax → top-p → min-p → renormalize and draw.
/// </remarks>
public sealed class Sampler
{
    /// <summary>First partial selection size when top-p runs without top-k; grown ×4 until the nucleus fits.</summary>
    const int NucleusProbe = 64;

    readonly SplitMix64 _rng;
    readonly Dictionary<int, int> _counts = [];
    float[] _logits = [];   // (V) penalized logits
    int[] _ids = [];        // (V) candidate token ids, the first n live
    double[] _weights = []; // (V) candidate weights exp((l - max) / T), i.e. p / p_max

    public Sampler(SamplingOptions options)
    {
        Options = options.Validate();
        _rng = new SplitMix64(unchecked((ulong)(options.Seed ?? Random.Shared.NextInt64())));
    }

    public SamplingOptions Options { get; }

    /// <summary>The next token id for <paramref name="logits"/> (one row, vocabulary-sized), given the tokens seen so far.</summary>
    public int Sample(ReadOnlySpan<float> logits, IReadOnlyList<int> previousTokens)
    {
        // greedy with no penalty to apply: the row's own argmax, with no copy and no vocabulary-sized arrays (a step of
        // 16 greedy streams copied 3 MB, and each request's sampler made 0.8 MB of large objects for the GC to collect)
        if (Options.IsGreedy && !Penalizes(previousTokens))
            return logits.Length > 0 ? TopSelection.ArgMax(logits) : throw new ArgumentException("logits row is empty.", nameof(logits));
        int n = Filter(logits, previousTokens);
        if (n == 1) return _ids[0];
        double total = 0;
        for (int i = 0; i < n; i++) total += _weights[i];
        double u = _rng.NextDouble() * total, cumulative = 0;
        int last = 0;
        for (int i = 0; i < n; i++)
        {
            if (_weights[i] <= 0) continue;
            cumulative += _weights[i];
            last = i;
            if (u < cumulative) return _ids[i];
        }
        return _ids[last]; // rounding left u at the very top of the range
    }

    /// <summary>The final distribution <see cref="Sample"/> draws from: (token, probability) after every filter, renormalized.</summary>
    internal IReadOnlyList<(int Token, double Probability)> Distribution(ReadOnlySpan<float> logits, IReadOnlyList<int> history)
    {
        int n = Filter(logits, history);
        double total = 0;
        for (int i = 0; i < n; i++) total += _weights[i];
        var result = new List<(int, double)>(n);
        for (int i = 0; i < n; i++) result.Add((_ids[i], _weights[i] / total));
        return result;
    }

    /// <summary>
    /// Repetition penalty (HF: a seen token's logit is divided by the penalty when positive, multiplied
    /// otherwise), then OpenAI penalties: logit -= presence·[count &gt; 0] + frequency·count.
    /// </summary>
    internal void ApplyPenalties(Span<float> logits, IReadOnlyList<int> history)
    {
        var o = Options;
        if (!Penalizes(history)) return;
        _counts.Clear();
        for (int i = 0; i < history.Count; i++)
        {
            int token = history[i];
            if ((uint)token >= (uint)logits.Length)
                throw new ArgumentOutOfRangeException(nameof(history), token, $"token id outside the vocabulary of {logits.Length}");
            _counts[token] = _counts.GetValueOrDefault(token) + 1;
        }
        float penalty = (float)o.RepetitionPenalty;
        foreach (var (token, count) in _counts)
        {
            float l = logits[token];
            if (penalty != 1) l = l > 0 ? l / penalty : l * penalty;
            logits[token] = (float)(l - o.PresencePenalty - o.FrequencyPenalty * count);
        }
    }

    /// <summary>Whether any penalty changes a logit: one is set and there are tokens to penalize.</summary>
    bool Penalizes(IReadOnlyList<int> history) =>
        history.Count > 0 && (Options.RepetitionPenalty != 1 || Options.PresencePenalty != 0 || Options.FrequencyPenalty != 0);

    /// <summary>Runs penalties and filters; leaves candidates in _ids[..n] with weights in _weights[..n].</summary>
    int Filter(ReadOnlySpan<float> logits, IReadOnlyList<int> history)
    {
        int vocab = logits.Length;
        if (vocab == 0) throw new ArgumentException("logits row is empty.", nameof(logits));
        EnsureCapacity(vocab);
        var work = _logits.AsSpan(0, vocab);
        logits.CopyTo(work);
        ApplyPenalties(work, history);

        var o = Options;
        // 1. Greedy: argmax, ties to the lowest id.
        if (o.IsGreedy)
        {
            _ids[0] = TopSelection.ArgMax(work);
            _weights[0] = 1;
            return 1;
        }

        // 2. Top-k by partial selection (sorted best first), or every token (unsorted).
        int n;
        bool sorted;
        if (o.TopK > 0 && o.TopK < vocab)
        {
            n = TopSelection.Select(work, o.TopK, _ids);
            sorted = true;
        }
        else
        {
            n = vocab;
            for (int i = 0; i < n; i++) _ids[i] = i;
            sorted = false;
        }

        // 3. Temperature and softmax, kept unnormalized as weights relative to the best token.
        double invT = 1.0 / o.Temperature;
        double max = double.NegativeInfinity;
        for (int i = 0; i < n; i++) if (work[_ids[i]] > max) max = work[_ids[i]];
        if (!double.IsFinite(max)) throw new ArgumentException("no token has a finite logit.", nameof(logits));
        double total = Weigh(work, n, max, invT);
        if (double.IsNaN(total)) throw new ArgumentException("logits contain NaN.", nameof(logits));

        // 4. Top-p: the smallest best-first prefix whose mass reaches top_p (at least one token).
        if (o.TopP < 1)
        {
            double target = o.TopP * total;
            for (int probe = NucleusProbe; ; probe *= 4)
            {
                if (!sorted)
                {
                    n = TopSelection.Select(work, Math.Min(probe, vocab), _ids);
                    Weigh(work, n, max, invT);
                }
                int kept = Nucleus(n, target);
                if (kept > 0) { n = kept; break; }
                if (sorted || n == vocab) break; // rounding: the whole row never quite reached the target
            }
        }

        // 5. Min-p: weights are p / p_max, so keep those ≥ min_p.
        if (o.MinP > 0)
        {
            int kept = 0;
            for (int i = 0; i < n; i++)
            {
                if (_weights[i] < o.MinP) continue;
                _ids[kept] = _ids[i];
                _weights[kept++] = _weights[i];
            }
            n = kept;
        }
        return n;
    }

    double Weigh(ReadOnlySpan<float> work, int n, double max, double invT)
    {
        double total = 0;
        // the best token weighs 1 outright: a temperature so small that 1/T overflows would make it 0·∞ = NaN
        for (int i = 0; i < n; i++) total += _weights[i] = work[_ids[i]] == max ? 1 : Math.Exp((work[_ids[i]] - max) * invT);
        return total;
    }

    /// <summary>Length of the shortest best-first prefix whose weight reaches target, or 0 when none does.</summary>
    int Nucleus(int n, double target)
    {
        double cumulative = 0;
        for (int i = 0; i < n; i++)
        {
            cumulative += _weights[i];
            if (cumulative >= target) return i + 1;
        }
        return 0;
    }

    void EnsureCapacity(int vocab)
    {
        if (_logits.Length >= vocab) return;
        _logits = new float[vocab];
        _ids = new int[vocab];
        _weights = new double[vocab];
    }
}
