using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using SmolLM3.Contracts.Errors;

namespace SmolLM3.Cluster.Tests;

/// <summary>The typed errors a grain throws must reach the gateway intact (type and numbers), or the status mapping fails.</summary>
public sealed class ErrorSerializationTests
{
    static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    static T RoundTrip<T>(T e) where T : Exception =>
        Assert.IsType<T>(Serializer.Deserialize<Exception>(Serializer.SerializeToArray<Exception>(e)));

    [Fact]
    public void Context_length_error_keeps_its_numbers()
    {
        var copy = RoundTrip(new ContextLengthExceededException(9000, 512, 8192));
        Assert.Equal((9000, 512, 8192), (copy.PromptTokens, copy.MaxTokens, copy.ContextLength));
        Assert.Contains("9000", copy.Message);
    }

    [Fact]
    public void Kv_capacity_error_keeps_its_numbers()
    {
        var copy = RoundTrip(new KvCapacityExceededException(70000, 65536, 1L << 33, 1L << 32));
        Assert.Equal((70000, 65536, 1L << 33, 1L << 32), (copy.NeededTokens, copy.PoolTokens, copy.NeededBytes, copy.PoolBytes));
    }

    [Fact]
    public void Model_unavailable_error_keeps_the_model()
    {
        var copy = RoundTrip(new ModelUnavailableException("smol", "no silo has joined"));
        Assert.Equal("smol", copy.Model);
        Assert.Contains("no silo has joined", copy.Message);
    }
}
