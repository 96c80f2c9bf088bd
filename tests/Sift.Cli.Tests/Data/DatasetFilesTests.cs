using Sift.Cli.Data;
using Sift.Data;

namespace Sift.Cli.Tests.Data;

public sealed class DatasetFilesTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Load_JsonlFile_UsesPathAsSource()
    {
        var path = _temp.File("train.jsonl");
        File.WriteAllText(path, "{\"text\": \"hello\", \"label\": \"x\"}\n");

        var data = DatasetFiles.Load(path, new DataFormatOptions());

        data.Source.ShouldBe(path);
        data.Items.ShouldHaveSingleItem().Label.ShouldBe("x");
    }

    [Fact]
    public void Load_CsvFile_PicksFormatFromExtension()
    {
        var path = _temp.File("data.csv");
        File.WriteAllText(path, "text,label\n\"a, b\",y\n");

        DatasetFiles.Load(path, new DataFormatOptions()).Items[0].Text.ShouldBe("a, b");
    }

    [Fact]
    public void Load_InvalidContent_ErrorNamesPathAsGiven()
    {
        var path = _temp.File("bad.jsonl");
        File.WriteAllText(path, "{\"text\": \"a\"}\n{\"label\": \"b\"}\n");

        var error = Should.Throw<ImportException>(() => DatasetFiles.Load(path, new DataFormatOptions()));

        error.Message.ShouldBe($"{path}, line 2, field 'text': missing or not a string");
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        var path = _temp.File("nope.jsonl");

        var error = Should.Throw<SiftException>(() => DatasetFiles.Load(path, new DataFormatOptions()));

        error.Message.ShouldBe($"file not found: {path}");
    }

    [Fact]
    public void Load_MissingDirectory_ThrowsFileNotFound()
    {
        var path = Path.Combine(_temp.Path, "no-such-dir", "x.jsonl");

        Should.Throw<SiftException>(() => DatasetFiles.Load(path, new DataFormatOptions())).Message.ShouldBe($"file not found: {path}");
    }

    [Fact]
    public void Load_Directory_ThrowsNotAFile()
    {
        Should.Throw<SiftException>(() => DatasetFiles.Load(_temp.Path, new DataFormatOptions())).Message.ShouldContain("directory");
    }
}
