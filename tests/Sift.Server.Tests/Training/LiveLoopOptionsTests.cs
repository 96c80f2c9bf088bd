using Sift.Projects;
using Sift.Server.Training;

namespace Sift.Server.Tests.Training;

public class LiveLoopOptionsTests
{
    [Fact]
    public void Defaults_AreValidAndOwnersDiffer()
    {
        var a = new LiveLoopOptions();
        a.Validate();
        a.RankingPositions.ShouldBe(2_000);
        a.LowPriorityTrainer.ShouldBeTrue();
        a.Owner.ShouldNotBe(new LiveLoopOptions().Owner);
        a.Owner.ShouldContain(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Validate_BadValue_NamesTheSetting()
    {
        Should.Throw<ConfigurationException>(() => new LiveLoopOptions { PollInterval = TimeSpan.Zero }.Validate()).Message.ShouldStartWith("poll interval");
        Should.Throw<ConfigurationException>(() => new LiveLoopOptions { TrainerLease = TimeSpan.FromMilliseconds(10) }.Validate()).Message.ShouldStartWith("trainer lease");
        Should.Throw<ConfigurationException>(() => new LiveLoopOptions { Owner = " " }.Validate()).Message.ShouldStartWith("owner");
        Should.Throw<ConfigurationException>(() => new LiveLoopOptions { RankingPositions = 1 }.Validate()).Message.ShouldStartWith("ranking positions");
        Should.Throw<ConfigurationException>(() => new LiveLoopOptions { TopUpInterval = TimeSpan.Zero }.Validate()).Message.ShouldStartWith("top-up interval");
    }

    [Fact]
    public void OneSentence_Exceptions_GiveOneSentence()
    {
        LiveLoop.OneSentence(new ConfigurationException("Unknown strategy 'x'. Known strategies: a, b.")).ShouldBe("Unknown strategy 'x'.");
        LiveLoop.OneSentence(new InvalidOperationException("boom\nat line 2")).ShouldBe("Training failed (InvalidOperationException): boom at line 2.");
    }
}
