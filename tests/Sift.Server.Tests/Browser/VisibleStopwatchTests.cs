namespace Sift.Server.Tests.Browser;

/// <summary>The time-on-task stopwatch (wwwroot/js/visibletime.js), run in the real browser with a driven clock and document.</summary>
[Collection(BrowserCollection.Name)]
public sealed class VisibleStopwatchTests(BrowserFixture fixture)
{
    [Fact]
    public async Task VisibleStopwatch_HiddenStretches_AreNotCounted_RestartStartsFromZero()
    {
        await using var session = await fixture.OpenAsync();
        await session.Page.GotoAsync("/");
        var readings = await session.Page.EvaluateAsync<double[]>("""
            async () => {
              const { visibleStopwatch } = await import('/js/visibletime.js');
              let t = 1000;
              const doc = new EventTarget();
              doc.visibilityState = 'visible';
              const show = state => { doc.visibilityState = state; doc.dispatchEvent(new Event('visibilitychange')); };
              const watch = visibleStopwatch(doc, () => t);
              const out = [];
              show('hidden'); t += 5000; show('visible'); // before restart: nothing runs
              watch.restart(); out.push(watch.seconds());  // 0
              t += 2000; out.push(watch.seconds());        // 2
              show('hidden'); t += 60000; out.push(watch.seconds()); // still 2
              show('hidden'); t += 1000;                   // a repeated event changes nothing
              show('visible'); t += 500; out.push(watch.seconds()); // 2.5
              show('visible'); t += 500; out.push(watch.seconds()); // 3: a repeated 'visible' does not restart the stretch
              watch.restart(); t += 250; out.push(watch.seconds()); // 0.25
              show('hidden'); watch.restart(); t += 9000; out.push(watch.seconds()); // restarted while hidden: 0
              show('visible'); t += 1000; out.push(watch.seconds()); // 1
              return out;
            }
            """);
        readings.ShouldBe([0, 2, 2, 2.5, 3, 0.25, 0, 1]);
        await session.ShouldBeCleanAsync();
    }
}
