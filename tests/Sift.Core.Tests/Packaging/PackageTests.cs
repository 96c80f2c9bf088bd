using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace Sift.Core.Tests.Packaging;

/// <summary>
/// <c>dotnet pack src/Sift.Core</c> gives a library package: the metadata, the README (docs/library.md), the assembly
/// with its XML docs, and only the runtime dependencies. Packs the assembly this test run just built (no build, a few
/// seconds).
/// </summary>
public sealed class PackageTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly DirectoryInfo _output = Directory.CreateTempSubdirectory("sift-pack-");

    public void Dispose() => _output.Delete(recursive: true);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sift.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("Sift.slnx not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public async Task Pack_SiftCore_LibraryPackageWithReadmeDocsAndOnlyRuntimeDependencies()
    {
        var root = RepositoryRoot();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        foreach (var arg in new[] { "pack", Path.Combine(root, "src", "Sift.Core", "Sift.Core.csproj"), "-c", Configuration, "--no-build", "-o", _output.FullName, "-nologo" })
            start.ArgumentList.Add(arg);
        using var pack = Process.Start(start)!;
        var stdout = pack.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = pack.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await pack.WaitForExitAsync(TestContext.Current.CancellationToken);
        pack.ExitCode.ShouldBe(0, await stdout + await stderr);

        var nupkg = _output.GetFiles("*.nupkg").ShouldHaveSingleItem();
        nupkg.Name.ShouldBe("Sift.Core.0.1.0.nupkg");
        using var zip = ZipFile.OpenRead(nupkg.FullName);
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        entries.ShouldContain("lib/net10.0/Sift.Core.dll");
        entries.ShouldContain("lib/net10.0/Sift.Core.xml");
        entries.ShouldContain("README.md");
        entries.Where(e => e.EndsWith(".dll", StringComparison.Ordinal)).ShouldBe(["lib/net10.0/Sift.Core.dll"]);
        using (var readme = new StreamReader(zip.GetEntry("README.md")!.Open()))
            (await readme.ReadToEndAsync(TestContext.Current.CancellationToken)).ShouldBe(await File.ReadAllTextAsync(Path.Combine(root, "docs", "library.md"), TestContext.Current.CancellationToken));

        XDocument nuspec;
        using (var stream = zip.GetEntry("Sift.Core.nuspec")!.Open()) nuspec = XDocument.Load(stream);
        var ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        string? Meta(string name) => metadata.Element(ns + name)?.Value;
        Meta("id").ShouldBe("Sift.Core");
        Meta("version").ShouldBe("0.1.0");
        Meta("authors").ShouldBe("Sift contributors");
        Meta("description").ShouldNotBeNull().ShouldStartWith("Active learning for text classification, as a library");
        Meta("readme").ShouldBe("README.md");
        var license = metadata.Element(ns + "license").ShouldNotBeNull();
        license.Attribute("type")!.Value.ShouldBe("expression");
        license.Value.ShouldBe("MIT");
        (metadata.Element(ns + "repository")?.Attribute("url")).ShouldBeNull();
        var dependencies = metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).Order().ToList();
        dependencies.ShouldBe(["CsvHelper", "MathNet.Numerics", "System.Numerics.Tensors"]); // the analyzers stay private
    }
}
