using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>
/// Every read of tensor data into .NET memory goes through here: TorchSharp refuses <c>data&lt;T&gt;()</c> on a
/// tensor that is not on the CPU, so a tensor on another device is copied over first. A contiguous tensor is read as one
/// block of memory, not element by element through its accessor (the logits of a 16-sequence step are 3 MB).
/// </summary>
public static class HostCopy
{
    /// <summary>The elements of <paramref name="tensor"/> (of element type <typeparamref name="T"/>), in order.</summary>
    public static T[] ToArray<T>(Tensor tensor) where T : unmanaged => Read(tensor, (Span<T> elements) => elements.ToArray());

    /// <summary>
    /// <paramref name="read"/> over the elements of <paramref name="tensor"/> where they lie when it is a contiguous CPU
    /// tensor (no copy, and no array: a step's logits are 3 MB, a large-object allocation each step), else over a
    /// contiguous CPU copy's. The span lives only as long as the call.
    /// </summary>
    public static TResult Read<T, TResult>(Tensor tensor, Func<Span<T>, TResult> read) where T : unmanaged
    {
        using var cpu = OnCpu(tensor);
        var host = cpu ?? tensor;
        host.data<T>();   // checks T against the element type
        if (host.is_contiguous()) return read(MemoryMarshal.Cast<byte, T>(host.bytes));
        using var contiguous = host.contiguous();
        return read(MemoryMarshal.Cast<byte, T>(contiguous.bytes));
    }

    /// <summary>Copies the elements of <paramref name="tensor"/> into <paramref name="destination"/> from its start.</summary>
    public static void CopyTo<T>(Tensor tensor, T[] destination) where T : unmanaged =>
        Read(tensor, (Span<T> elements) =>
        {
            elements.CopyTo(destination);
            return elements.Length;
        });

    /// <summary>A CPU copy when <paramref name="tensor"/> lives elsewhere; null when it is on the CPU already.</summary>
    static Tensor? OnCpu(Tensor tensor) => tensor.device_type == DeviceType.CPU ? null : tensor.cpu();
}
