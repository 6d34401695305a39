using System.Xml.Linq;
using SmolLM3.Deploy.Tests.Manifests;

namespace SmolLM3.Deploy.Tests;

/// <summary>
/// The images cannot be built here (no Docker engine), so their Dockerfiles are checked against
/// the projects and manifests they must match: what they copy, publish, run and expose.
/// </summary>
public class DockerfileTests
{
    public static TheoryData<string, string> Images => new() { { "silo", "src/Silo/Silo.csproj" }, { "gateway", "src/Gateway/Gateway.csproj" } };

    static Dockerfile Load(string component) => new(Path.Combine(Repo.Docker, component + ".Dockerfile"));

    static XDocument Project(string relative) => XDocument.Load(Path.Combine(Repo.Root, relative));

    // The project and every project it references, repository-relative with '/' separators.
    static IEnumerable<string> ProjectClosure(string relative)
    {
        var seen = new SortedSet<string>();
        var pending = new Stack<string>([relative]);
        while (pending.TryPop(out var p))
        {
            if (!seen.Add(p)) continue;
            var dir = Path.GetDirectoryName(Path.Combine(Repo.Root, p))!;
            foreach (var r in Project(p).Descendants("ProjectReference"))
                pending.Push(Path.GetRelativePath(Repo.Root, Path.GetFullPath(Path.Combine(dir, r.Attribute("Include")!.Value.Replace('\\', '/')))).Replace('\\', '/'));
        }
        return seen;
    }

    [Theory, MemberData(nameof(Images))]
    public void Builds_on_the_dotnet_10_sdk_and_runs_on_a_dotnet_10_runtime(string component, string _)
    {
        var froms = Load(component).Stages.Select(s => s[0].Arguments).ToList();
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", froms[0]);
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/(aspnet|runtime):10\.0", froms[^1]);
        Assert.True(froms.Count >= 2, "multi-stage: the SDK stays out of the final image");
    }

    [Theory, MemberData(nameof(Images))]
    public void Copies_every_project_file_of_the_closure_before_restoring(string component, string project)
    {
        var build = Load(component).Stages[0];
        var restore = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore"));
        Assert.True(restore > 0, "no dotnet restore");
        Assert.Contains(project, build[restore].Arguments);
        var copied = build.Take(restore).Where(i => i.Keyword == "COPY").SelectMany(i => i.Arguments.Split(' ')[..^1]).ToHashSet();
        Assert.All(ProjectClosure(project), p => Assert.Contains(p, copied));
        Assert.Contains("Directory.Packages.props", copied);
        Assert.Contains("Directory.Build.props", copied);
    }

    [Theory, MemberData(nameof(Images))]
    public void Runs_the_published_assembly_as_a_non_root_user(string component, string project)
    {
        var file = Load(component);
        Assert.Contains(file.All("RUN"), r => r.Contains("dotnet publish " + project));
        var assembly = Project(project).Descendants("AssemblyName").Single().Value;
        Assert.Equal($"[\"dotnet\", \"{assembly}.dll\"]", Assert.Single(file.All("ENTRYPOINT", file.Final)));
        var user = Assert.Single(file.All("USER", file.Final));
        Assert.DoesNotContain(user, new[] { "root", "0" });
    }

    [SkippableTheory, MemberData(nameof(Images))]
    public void Exposes_exactly_the_ports_the_manifests_open(string component, string _)
    {
        var exposed = Load(component).All("EXPOSE").SelectMany(e => e.Split(' ')).Select(long.Parse).Order();
        foreach (var overlay in Overlay.Names)
        {
            var container = Overlay.Container(Overlay.Render(overlay).Component(component), component);
            Assert.Equal(Overlay.Ports(container).Values.Order(), exposed);
        }
    }

    [Fact]
    public void The_silo_restores_and_publishes_with_the_same_torch_backend()
    {
        var runs = Load("silo").All("RUN").Where(r => r.Contains("dotnet restore") || r.Contains("dotnet publish")).ToList();
        Assert.Equal(2, runs.Count);
        Assert.All(runs, r => Assert.Contains("-p:TorchBackend=${TORCH_BACKEND}", r));
        // The same runtime identifier too, or publish --no-restore finds no assets for it.
        Assert.All(runs, r => Assert.Contains("-r linux-x64", r));
    }
}
