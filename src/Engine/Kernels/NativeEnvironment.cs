using System.Runtime.InteropServices;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// The process environment that native libraries (libtorch, OpenMP) read. .NET keeps its own copy of the environment on
/// Unix, so a variable meant for them goes through libc's setenv.
/// </summary>
internal static class NativeEnvironment
{
    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/> unless it is set already (by the user, in either copy).</summary>
    public static void SetDefault(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is not null) return;
        if (OperatingSystem.IsWindows()) Environment.SetEnvironmentVariable(name, value);
        else _ = setenv(name, value, 0);
    }

    /// <summary>What a native library will read for <paramref name="name"/>.</summary>
    public static string? Get(string name) => OperatingSystem.IsWindows()
        ? Environment.GetEnvironmentVariable(name)
        : Marshal.PtrToStringAnsi(getenv(name));

    [DllImport("libc", CharSet = CharSet.Ansi)]
    static extern int setenv(string name, string value, int overwrite);

    [DllImport("libc", CharSet = CharSet.Ansi)]
    static extern IntPtr getenv(string name);
}
