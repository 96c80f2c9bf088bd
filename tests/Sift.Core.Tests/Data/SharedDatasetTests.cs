using Sift.Data;

namespace Sift.Core.Tests.Data;

/// <summary>Reads the real benchmark files in <c>../shared/datasets</c> beside the repository, when they are there.</summary>
public class SharedDatasetTests
{
    [Fact]
    public void Read_TrecTrainFile_Has5452ItemsAndSixLabels()
    {
        var path = FindSharedDataset("trec", "train.jsonl");
        if (path is null) Assert.Skip("../shared/datasets/trec/train.jsonl is not beside this repository.");

        using var stream = File.OpenRead(path);
        var data = TextDatasetReader.Read(stream, path);

        data.Count.ShouldBe(5452);
        data.Labels.ShouldBe(["ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"]);
        data.Items.ShouldAllBe(i => i.Text.Length > 0 && i.Label != null);
        data.Items.Select(i => i.Id).Distinct().Count().ShouldBe(5452);
    }

    [Fact]
    public void Read_20NewsgroupsTrainFile_KeepsTheControlCharactersInItsTexts()
    {
        // Real posts carry backspaces, escapes and form feeds: the text rule refuses only NUL (TextRules).
        var path = FindSharedDataset("20newsgroups", "train.jsonl");
        if (path is null) Assert.Skip("../shared/datasets/20newsgroups/train.jsonl is not beside this repository.");

        using var stream = File.OpenRead(path);
        var data = TextDatasetReader.Read(stream, path);

        data.Labels.Count.ShouldBe(20);
        data.Items.Count(i => i.Text.Any(c => char.IsControl(c) && c is not ('\t' or '\n' or '\r'))).ShouldBeGreaterThan(0);
    }

    /// <summary>Walks up from the test binaries to the directory whose <c>../shared/datasets</c> exists.</summary>
    internal static string? FindSharedDataset(string name, string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var datasets = Path.Combine(dir.FullName, "..", "shared", "datasets");
            if (Directory.Exists(datasets))
            {
                var path = Path.GetFullPath(Path.Combine(datasets, name, file));
                return File.Exists(path) ? path : null;
            }
        }

        return null;
    }
}
