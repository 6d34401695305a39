using TorchSharp;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Tests;

public class TorchRuntimeTests
{
    [Fact]
    public void NativeLibTorchLoadsAndComputes()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = a.matmul(a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, b.data<float>().ToArray());
    }
}
