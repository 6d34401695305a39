using System.Diagnostics;
using System.Threading.Channels;
using SmolLM3.Engine.Constraints;
using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Model;
using SmolLM3.Engine.Sampling;

namespace SmolLM3.Silo.Scheduling;

/// <summary>
/// A sampled token; <see cref="Finish"/> is set on the last one of a reply, <see cref="LogProbs"/> when the request
/// asked for them (<see cref="GenerationRequest.TopLogProbs"/>).
/// </summary>
public readonly record struct SequenceToken(int Id, FinishReason? Finish, SampledLogProbs? LogProbs = null);

/// <summary>
/// One reply for the <see cref="BatchScheduler"/> to generate. The caller lends it <see cref="Cache"/>
/// and must not touch the cache until <see cref="Tokens"/> completes: that is when the scheduler lets go.
/// </summary>
public sealed class GenerationRequest
{
    readonly Channel<SequenceToken> _output = Channel.CreateUnbounded<SequenceToken>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    /// <summary>Tenant whose queue the request waits in (admission is round-robin across tenants).</summary>
    public required string Tenant { get; init; }

    /// <summary>The tenant's weight in round-robin admission (at least 1): sequences it may start in a row in its turn.</summary>
    public int Weight { get; init; } = 1;

    /// <summary>The conversation's cache, holding whatever was computed before this turn.</summary>
    public required KvCache Cache { get; init; }

    /// <summary>Tokens to feed before the first sample (at least one): what the cache does not hold yet.</summary>
    public required int[] Feed { get; init; }

    /// <summary>Every token of the prompt, for the repetition penalties.</summary>
    public required IReadOnlyList<int> History { get; init; }

    /// <summary>Validated sampling settings, including MaxTokens and StopTokenIds.</summary>
    public required SamplingOptions Sampling { get; init; }

    /// <summary>
    /// Set: each token comes with its log-probability and this many most likely alternatives, from the log-softmax of
    /// the logits it was sampled from (the model's, before penalties, temperature and filters; masked by <see cref="Constraint"/> when set).
    /// </summary>
    public int? TopLogProbs { get; init; }

    /// <summary>
    /// Set: each token is sampled among those the reply's grammar allows next (<see cref="TopLogProbs"/> are then of
    /// that masked distribution), and a stop token comes exactly when the value is complete.
    /// </summary>
    public TokenConstraint? Constraint { get; init; }

    /// <summary>Trace context of the turn, linked from the batch steps that serve it.</summary>
    public ActivityContext TraceContext { get; init; }

    /// <summary><see cref="Stopwatch"/> timestamp of the step that first fed this request (0 while it waits).</summary>
    public long AdmittedAt { get; internal set; }

    /// <summary>
    /// Longest the request may wait, from submission, before any of it is scheduled (its tenant's queue timeout);
    /// past it the scheduler refuses it with <see cref="Contracts.Errors.QueueTimeoutException"/>. Null = no bound.
    /// </summary>
    public TimeSpan? QueueTimeout { get; init; }

    /// <summary>Cancelling drops the sequence at the next step.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>
    /// Sampled tokens. Completes when the scheduler releases the cache: with the last token (the cache then holds the
    /// prompt and the reply but that token, which the next turn feeds), on cancellation, or with the failure.
    /// </summary>
    public ChannelReader<SequenceToken> Tokens => _output.Reader;

    internal ChannelWriter<SequenceToken> Output => _output.Writer;
}
