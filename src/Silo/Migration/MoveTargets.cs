using SmolLM3.Silo.Models;
using SmolLM3.Silo.Placement;

namespace SmolLM3.Silo.Migration;

/// <summary>Where a conversation on this silo can move: another silo serving the same model, not draining, the one with the most room.</summary>
public sealed class MoveTargets(CapacityBoard board, ModelHost host, ILocalSiloDetails silo)
{
    /// <summary>The other silo with the most room whose whole pool holds <paramref name="tokens"/> positions; null when none does.</summary>
    public SiloAddress? For(int tokens = 0)
    {
        var others = board.Reports.Where(r => !r.Silo.Equals(silo.SiloAddress) && r.TotalTokens >= tokens).Select(r => r.Silo).ToArray();
        return others.Length == 0 ? null : board.Choose(host.Info.Id, others, silo.SiloAddress);
    }
}
