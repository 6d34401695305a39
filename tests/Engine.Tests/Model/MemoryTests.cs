using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Model;
using SmolLM3.Engine.Sampling;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>Every intermediate tensor is disposed: the live-tensor count is flat over a long generation.</summary>
public class MemoryTests
{
    // Counted per thread: other tests' tensors, and finalizers, do not move it.
    static long LiveOnThisThread => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [SkippableFact]
    public void LiveTensorCountIsFlatAcrossDecodeSteps()
    {
        using var lm = TinyModels.Load("tiny-smollm3/hf");
        using var cache = lm.NewCache();
        var opts = new SamplingOptions { Temperature = 0.8, Seed = 1, MaxTokens = 10_000 };
        long? afterWarmup = null;
        int steps = 0;
        foreach (var _ in Generator.Generate(lm, cache, [1, 2, 3], opts))
        {
            // the cache reallocates at 256 positions; measure after it has settled
            if (++steps == 20) afterWarmup = LiveOnThisThread;
            if (steps == 200) break;
        }
        Assert.Equal(afterWarmup, LiveOnThisThread);
    }

    [SkippableFact]
    public void APrefillPassLeavesOnlyItsLogitsAlive()
    {
        using var lm = TinyModels.Load("tiny-smollm3/hf");
        using var cache = lm.NewCache();
        lm.Forward([new SequenceChunk(cache, [1, 2, 3], 1)]).Dispose();   // the cache's first allocation
        long before = LiveOnThisThread;
        using (var logits = lm.Forward([new SequenceChunk(cache, [.. Enumerable.Range(10, 40)], 4)]))
        {
            Assert.Equal(new long[] { 4, lm.Config.VocabSize }, logits.shape);
            Assert.Equal(before + 1, LiveOnThisThread);
        }
        Assert.Equal(before, LiveOnThisThread);
    }
}
