using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Sampling;

namespace SmolLM3.Engine.Tests.Generation;

public class FinishRuleTests
{
    static readonly SamplingOptions Options = new() { MaxTokens = 3, StopTokenIds = new HashSet<int> { 9 } };

    [Theory]
    [InlineData(5, 1, null)]
    [InlineData(5, 3, FinishReason.Length)]
    [InlineData(9, 1, FinishReason.StopToken)]
    [InlineData(9, 3, FinishReason.StopToken)]   // a stop token as the last allowed token ended the reply by itself
    public void StopTokensWinOverTheBudget(int token, int produced, FinishReason? expected) =>
        Assert.Equal(expected, FinishRule.After(token, produced, Options));
}
