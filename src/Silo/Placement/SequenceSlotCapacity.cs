using Microsoft.Extensions.Options;
using SmolLM3.Silo.Hosting;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Silo.Placement;

/// <summary>
/// Stand-in until a KV pool registers its own <see cref="IKvCapacity"/>: every sequence slot of the scheduler
/// counts as one full context, and slots that are running or queued are taken.
/// </summary>
public sealed class SequenceSlotCapacity(BatchScheduler scheduler, ModelHost host, IOptions<SmolLMSiloOptions> options) : IKvCapacity
{
    int Context => host.Info.ContextLength;

    public int TotalTokens => (int)Math.Min(int.MaxValue, (long)options.Value.MaxActiveSequences * Context);

    public int AvailableTokens
    {
        get
        {
            var stats = scheduler.Stats;
            long free = options.Value.MaxActiveSequences - stats.ActiveSequences - stats.QueuedSequences;
            return (int)Math.Clamp(free * Context, 0, TotalTokens);
        }
    }
}
