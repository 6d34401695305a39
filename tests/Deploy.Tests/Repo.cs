namespace SmolLM3.Deploy.Tests;

/// <summary>Paths in the repository these tests check (found from the test binary upwards).</summary>
public static class Repo
{
    public static readonly string Root = FindRoot();

    public static string K8s => Path.Combine(Root, "deploy", "k8s");

    public static string Docker => Path.Combine(Root, "deploy", "docker");

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SmolLM3.Cluster.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("SmolLM3.Cluster.sln not found above " + AppContext.BaseDirectory);
    }
}
