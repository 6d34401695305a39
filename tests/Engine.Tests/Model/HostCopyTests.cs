using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>Host copies read a tensor's elements in order, from its own offset, whatever its layout.</summary>
public class HostCopyTests
{
    [Fact]
    public void A_contiguous_view_is_read_from_its_own_offset()
    {
        using var all = torch.arange(0, 24, dtype: torch.ScalarType.Float32).reshape(4, 6);
        using var rows = all.narrow(0, 1, 2);   // contiguous, starting 6 elements in
        Assert.True(rows.is_contiguous());
        Assert.Equal(Enumerable.Range(6, 12).Select(i => (float)i), HostCopy.ToArray<float>(rows));
        var into = new float[12];
        HostCopy.CopyTo(rows, into);
        Assert.Equal(Enumerable.Range(6, 12).Select(i => (float)i), into);
    }

    [Fact]
    public void A_strided_view_is_read_in_its_own_order()
    {
        using var all = torch.arange(0, 6, dtype: torch.ScalarType.Float32).reshape(2, 3);
        using var transposed = all.t();
        Assert.False(transposed.is_contiguous());
        Assert.Equal([0f, 3, 1, 4, 2, 5], HostCopy.ToArray<float>(transposed));
    }

    [Fact]
    public void Read_sees_a_contiguous_tensor_in_place_and_a_strided_one_in_its_own_order()
    {
        using var all = torch.arange(0, 24, dtype: torch.ScalarType.Float32).reshape(4, 6);
        using var rows = all.narrow(0, 1, 2);
        // in place: a write through the span reaches the tensor
        var seen = HostCopy.Read(rows, (Span<float> v) => { var copy = v.ToArray(); v[0] = -1; return copy; });
        Assert.Equal(Enumerable.Range(6, 12).Select(i => (float)i), seen);
        Assert.Equal(-1f, all[1, 0].item<float>());
        using var transposed = torch.arange(0, 6, dtype: torch.ScalarType.Float32).reshape(2, 3).t();
        Assert.Equal([0f, 3, 1, 4, 2, 5], HostCopy.Read(transposed, (Span<float> v) => v.ToArray()));
        using var ints = torch.arange(0, 4, dtype: torch.ScalarType.Int32);
        Assert.ThrowsAny<Exception>(() => HostCopy.Read(ints, (Span<float> v) => v.Length));
    }

    [Fact]
    public void Another_element_type_is_refused()
    {
        using var ints = torch.arange(0, 4, dtype: torch.ScalarType.Int32);
        Assert.ThrowsAny<Exception>(() => HostCopy.ToArray<float>(ints));
    }
}
