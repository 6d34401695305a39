using System.Diagnostics;

namespace SmolLM3.Deploy.Tests.Manifests;

/// <summary>
/// <c>kubectl kustomize</c>, the renderer <c>kubectl apply -k</c> uses, so the tests check what a deploy would apply.
/// Without kubectl the calling test is skipped (failed under SMOLLM3_REQUIRE_ALL=1, see <see cref="Prerequisite"/>).
/// </summary>
public static class Kubectl
{
    static readonly string? Binary = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, "kubectl"))
        .FirstOrDefault(File.Exists);

    /// <summary>The rendered objects of the kustomization in <paramref name="directory"/>, as YAML documents.</summary>
    public static string Kustomize(string directory)
    {
        Prerequisite.Need(Binary is not null, "kubectl is not installed (scripts/setup.sh installs it: apt-get install kubernetes-client)");
        using var process = Process.Start(new ProcessStartInfo(Binary!, ["kustomize", directory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        // Both pipes are drained at once, or a full one blocks kubectl.
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new Xunit.Sdk.XunitException(
                $"kubectl kustomize {directory} exited with {process.ExitCode} (the manifests are tested with kustomize v5.5; "
                + $"`kubectl version --client` shows yours):\n{error.Result}");
        return output;
    }
}
