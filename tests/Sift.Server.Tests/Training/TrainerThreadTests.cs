using Sift.Server.Training;

namespace Sift.Server.Tests.Training;

public sealed class TrainerThreadTests
{
    [Fact]
    public async Task RunAsync_LowPriority_FitThreadRunsAtNice19AndOtherThreadsKeepTheirs()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Thread niceness is read from /proc on Linux.");
        var (nice, name) = await TrainerThread.RunAsync(() => (Nice(), Thread.CurrentThread.Name), lowPriority: true, "sift-trainer-test");
        nice.ShouldBe(19);
        name.ShouldBe("sift-trainer-test");
        (await TrainerThread.RunAsync(Nice, lowPriority: false, "normal")).ShouldBe(Nice());
        (await Task.Run(Nice)).ShouldBe(Nice());
    }

    [Fact]
    public async Task RunAsync_WorkThrows_TheTaskFailsWithThatException()
    {
        var failing = TrainerThread.RunAsync<int>(() => throw new OperationCanceledException("stop"), lowPriority: true, "t");
        (await Should.ThrowAsync<OperationCanceledException>(failing)).Message.ShouldBe("stop");
    }

    /// <summary>The calling thread's nice value: field 19 of /proc/thread-self/stat.</summary>
    private static int Nice()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], System.Globalization.CultureInfo.InvariantCulture);
    }
}
