using System.Runtime.CompilerServices;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// The native libraries' settings this engine runs best with (<see cref="OpenMpWaitPolicy"/>, <see cref="TorchHugePages"/>),
/// each left as the user set it. They are read once, when libtorch loads or first allocates, so they are applied when the
/// engine's assembly loads, and entry points call <see cref="Apply"/> first thing as well.
/// </summary>
public static class NativeDefaults
{
#pragma warning disable CA2255   // a library initializer on purpose: hosts that embed the engine get the defaults without a call
    [ModuleInitializer]
    internal static void OnEngineLoad() => Apply();
#pragma warning restore CA2255

    public static void Apply()
    {
        OpenMpWaitPolicy.Apply();
        TorchHugePages.Apply();
    }
}
