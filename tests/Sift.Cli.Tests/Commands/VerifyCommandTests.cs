using Sift.Evidence;

namespace Sift.Cli.Tests.Commands;

public sealed class VerifyCommandTests
{
    /// <summary>A small real simulation (TF-IDF, 2 strategies × 2 seeds), its evidence signed with a key in the temp folder.</summary>
    private static string Simulated(TempDirectory dir)
    {
        var train = dir.File("train.jsonl");
        var test = dir.File("test.jsonl");
        File.WriteAllLines(train, Enumerable.Range(0, 120).Select(i => Row(i)));
        File.WriteAllLines(test, Enumerable.Range(0, 40).Select(i => Row(i + 1000)));
        var error = new StringWriter();
        var code = SiftApp.Run(["simulate", "--train", train, "--test", test, "--features", "tfidf", "--strategy", "margin", "--seeds", "2",
            "--seed-size", "10", "--batch", "10", "--budget", "40", "--out", dir.File("out"), "--quiet", "--checkpoint-key", dir.File("key.pem")], error);
        code.ShouldBe(0, error.ToString());
        return dir.File("out");
    }

    private static string Row(int i) =>
        i % 2 == 0 ? $$"""{"text":"goal match team score {{i}}","label":"sports"}""" : $$"""{"text":"vote party election law {{i}}","label":"politics"}""";

    private static (int Code, string Output, string Error) Verify(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = SiftApp.Run(["verify", .. args], error, output);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Verify_FreshSimulation_IntactWithItsCheckpoint()
    {
        using var dir = new TempDirectory();
        var folder = Simulated(dir);
        File.Exists(Path.Combine(folder, "evidence.checkpoints.jsonl")).ShouldBeTrue();

        var (code, output, error) = Verify(folder);

        code.ShouldBe(0, error);
        output.ShouldContain("intact: 16 entries");
        output.ShouldContain("1 checkpoint(s) matched");
    }

    [Fact]
    public void Verify_EditedLine_ExitOneNamingTheEntry()
    {
        using var dir = new TempDirectory();
        var log = Path.Combine(Simulated(dir), "evidence.jsonl");
        var lines = File.ReadAllLines(log);
        lines[4] = lines[4].Replace("\"labels\":", "\"labels\": ", StringComparison.Ordinal);
        File.WriteAllLines(log, lines);

        var (code, output, _) = Verify(log);

        code.ShouldBe(1);
        output.ShouldContain("NOT intact (edited). Entry 5 (line 5) was edited");
        output.ShouldContain("Entries 1–4 verify.");
    }

    [Fact]
    public void Verify_TailCut_ExitOneFromTheCheckpoint()
    {
        using var dir = new TempDirectory();
        var log = Path.Combine(Simulated(dir), "evidence.jsonl");
        File.WriteAllLines(log, File.ReadAllLines(log)[..^3]);

        var (code, output, _) = Verify(log);

        code.ShouldBe(1);
        output.ShouldContain("NOT intact (truncated)");
        output.ShouldContain("entries 14–16 are gone");
    }

    [Fact]
    public void Verify_PinnedKeyOfAnotherMachine_Refused()
    {
        using var dir = new TempDirectory();
        var folder = Simulated(dir);

        var (code, output, _) = Verify(folder, "--key-id", "0123456789abcdef");

        code.ShouldBe(1);
        output.ShouldContain("not the trusted key 0123456789abcdef");
    }

    [Fact]
    public void Verify_DamagedCheckpointFile_OneSentenceNamingFileAndLine()
    {
        using var dir = new TempDirectory();
        var folder = Simulated(dir);
        File.AppendAllText(Path.Combine(folder, "evidence.checkpoints.jsonl"), "garbage\n");

        var (code, _, error) = Verify(folder);

        code.ShouldBe(2);
        error.ShouldContain("evidence.checkpoints.jsonl, line 2: not a checkpoint");
        error.ShouldNotContain("   at ");
    }

    [Fact]
    public void Verify_NoSuchPath_OneSentence()
    {
        using var dir = new TempDirectory();

        var (code, _, error) = Verify(dir.File("nowhere"));

        code.ShouldBe(2);
        error.ShouldContain("no such file or folder");
    }

    [Fact]
    public void Simulate_SameKeyTwice_SameKeyIdAndTheKeyFileOwnerOnly()
    {
        using var dir = new TempDirectory();
        var folder = Simulated(dir);
        var first = Checkpoint.ParseLine(File.ReadAllLines(Path.Combine(folder, "evidence.checkpoints.jsonl"))[0])!;

        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(dir.File("key.pem")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var again = Simulated(dir);
        Checkpoint.ParseLine(File.ReadAllLines(Path.Combine(again, "evidence.checkpoints.jsonl")).Single())!.KeyId.ShouldBe(first.KeyId);
    }
}
