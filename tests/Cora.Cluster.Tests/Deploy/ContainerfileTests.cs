using System.Xml.Linq;

namespace Cora.Cluster.Tests.Deploy;

/// <summary>deploy/container/Containerfile matches the repository: it publishes the project
/// that builds the `cora` executable, copies everything that project needs, runs what it
/// published, and .dockerignore keeps none of it out.</summary>
public sealed class ContainerfileTests
{
    private readonly Containerfile _file = Containerfile.Load();

    /// <summary>(project path as the Containerfile names it, output folder).</summary>
    private (string Project, string Output) Publish()
    {
        var run = _file.All("RUN").Single(r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        var words = run.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var at = Array.IndexOf(words, "publish");
        return (words[at + 1], DeployFiles.ValuesOf(words, "-o").Single());
    }

    private static string ProjectFile(string project)
    {
        var path = DeployFiles.Repository(project);
        return File.Exists(path) ? path : Directory.EnumerateFiles(path, "*.csproj").Single();
    }

    [Fact]
    public void It_publishes_the_project_whose_assembly_is_the_cora_executable_in_release()
    {
        var (project, _) = Publish();
        var csproj = XDocument.Load(ProjectFile(project));
        Assert.Equal("cora", csproj.Descendants("AssemblyName").Single().Value);
        Assert.Equal("Exe", csproj.Descendants("OutputType").Single().Value);
        var run = _file.All("RUN").Single(r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal)).Arguments;
        Assert.Contains("-c Release", run, StringComparison.Ordinal);
    }

    [Fact]
    public void The_entrypoint_is_the_published_apphost_copied_into_the_final_image()
    {
        var (project, output) = Publish();
        var assembly = XDocument.Load(ProjectFile(project)).Descendants("AssemblyName").Single().Value;
        Assert.Equal([$"{output}/{assembly}"], _file.JsonArray("ENTRYPOINT"));
        Assert.Contains(_file.Final("COPY"), c => c.Arguments == $"--from=build {output} {output}");
    }

    [Fact]
    public void The_restore_layer_copies_every_project_the_published_one_references()
    {
        var (project, _) = Publish();
        var needed = new HashSet<string>();
        var queue = new Queue<string>([ProjectFile(project)]);
        while (queue.TryDequeue(out var csproj))
        {
            if (!needed.Add(Path.GetRelativePath(Fixtures.Repository, csproj).Replace('\\', '/'))) continue;
            foreach (var reference in XDocument.Load(csproj).Descendants("ProjectReference"))
                queue.Enqueue(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(csproj)!, reference.Attribute("Include")!.Value)));
        }
        var restore = _file.All("RUN").First(r => r.Arguments.StartsWith("dotnet restore", StringComparison.Ordinal));
        var copiesBeforeRestore = _file.Instructions.TakeWhile(i => i != restore)
            .Where(i => i.Keyword == "COPY").SelectMany(i => i.Arguments.Split(' ')[..^1]).ToHashSet();
        Assert.All(needed, p => Assert.Contains(p, copiesBeforeRestore));
        // The build-wide files every project imports.
        foreach (var shared in new[] { "global.json", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "build/" })
        {
            Assert.Contains(shared, copiesBeforeRestore);
            Assert.True(File.Exists(DeployFiles.Repository(shared)) || Directory.Exists(DeployFiles.Repository(shared)), shared);
        }
    }

    [Fact]
    public void Every_copied_path_exists_and_dockerignore_keeps_none_of_them_out()
    {
        var ignored = File.ReadAllLines(DeployFiles.Repository(".dockerignore"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.TrimStart('*', '/').TrimEnd('/')).ToList();
        foreach (var required in new[] { "bin", "obj", "zoo", "artifacts" }) Assert.Contains(required, ignored);
        foreach (var (sources, _, _) in _file.ContextCopies())
        {
            foreach (var source in sources)
            {
                Assert.True(File.Exists(DeployFiles.Repository(source)) || Directory.Exists(DeployFiles.Repository(source)), $"COPY {source}: not in the repository");
                var segments = source.TrimEnd('/').Split('/');
                Assert.DoesNotContain(segments, s => ignored.Contains(s));
            }
        }
    }

    [Fact]
    public void The_image_runs_as_a_non_root_user_with_node_configs_and_the_artifact_volume()
    {
        var user = Assert.Single(_file.Final("USER")).Arguments;
        Assert.NotEqual("root", user);
        Assert.NotEqual("0", user);
        Assert.Contains(_file.ContextCopies(), c => c.Sources.SequenceEqual(["hocon/"]) && c.Destination == "/etc/cora/");
        var command = _file.JsonArray("CMD");
        var artifacts = DeployFiles.ValuesOf(command, "--artifacts").Single();
        Assert.Contains(artifacts, _file.JsonArray("VOLUME"));
        // The default node config is one of the files COPY hocon/ puts under /etc/cora/.
        var config = DeployFiles.ValuesOf(command, "--config").Single();
        Assert.StartsWith("/etc/cora/", config, StringComparison.Ordinal);
        Assert.True(File.Exists(DeployFiles.Repository("hocon/" + config["/etc/cora/".Length..])), $"{config} is not a file under hocon/");
    }

    [Fact]
    public void The_base_images_are_the_dotnet_version_the_projects_target()
    {
        var framework = XDocument.Load(DeployFiles.Repository("Directory.Build.props")).Descendants("TargetFramework").Single().Value;
        var version = framework["net".Length..];
        var images = _file.All("FROM").Select(f => f.Arguments.Split(' ')[0]).ToList();
        Assert.Contains($"mcr.microsoft.com/dotnet/sdk:{version}", images);
        Assert.Contains($"mcr.microsoft.com/dotnet/runtime:{version}", images);
    }
}
