namespace SmolLM3.Engine.Sampling;

/// <summary>
/// A small 64-bit generator (SplitMix64) owned by each <see cref="Sampler"/>, so a seed gives the same
/// draws on every runtime and machine, independent of <see cref="Random"/>'s implementation.
/// </summary>
internal sealed class SplitMix64(ulong seed)
{
    ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
}
