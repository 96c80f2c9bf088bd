using System.Text.Json;
using Sift.Evidence;
using Sift.Oracles;

namespace Sift.Core.Tests.Evidence;

public sealed class JsonLinesEvidenceSinkTests
{
    private static readonly Provenance Gold = new() { Kind = OracleKind.Simulation, Name = "simulated-gold", Confidence = 1, ConfidenceMethod = "gold" };

    [Fact]
    public void Emit_Events_OneCompactLineEachKindFirstNewlineTerminated()
    {
        var writer = new StringWriter();
        var sink = new JsonLinesEvidenceSink(writer);

        sink.Emit(new StopEvent(true, "labels(60)", "label budget reached"));
        sink.Emit(new AnswerEvent("p1", ["sports"], AnswerStatus.Answered, Gold));

        var text = writer.ToString();
        text.ShouldEndWith("\n");
        text.ShouldNotContain("\r");
        var lines = text.TrimEnd('\n').Split('\n');
        lines.Length.ShouldBe(2);
        var first = EvidenceChain.ParseLine(lines[0]).ShouldNotBeNull();
        first.Json.ShouldBe("""{"kind":"stop","stop":true,"rule":"labels(60)","reason":"label budget reached"}""");
        (first.Seq, first.Prev).ShouldBe((1L, EvidenceChain.Genesis));
        EvidenceChain.ParseLine(lines[1])!.Prev.ShouldBe(first.Hash);
        sink.Head.ShouldBe((2L, EvidenceChain.ParseLine(lines[1])!.Hash));
        sink.Count.ShouldBe(2);
    }

    [Fact]
    public void Emit_Provenance_EnumsInSnakeCaseAndUnsetPartsLeftOut()
    {
        var writer = new StringWriter();
        new JsonLinesEvidenceSink(writer).Emit(new AnswerEvent("p1", ["sports"], AnswerStatus.Answered, Gold));

        EvidenceChain.ParseLine(writer.ToString().TrimEnd('\n'))!.Json.ShouldBe(
            """{"kind":"answer","item_id":"p1","labels":["sports"],"status":"answered","provenance":{"kind":"simulation","name":"simulated-gold","confidence":1,"confidence_method":"gold","cost":{},"sources":[]}}""");
    }

    [Fact]
    public void Provenance_RoundTrip_ReadsBackWhatWasWritten()
    {
        var full = Gold with { Cost = new AnswerCost(0.25, 10, 2, 1.5), Decision = "accept-model" };
        var json = JsonSerializer.Serialize(full, SiftJson.Compact);
        var back = JsonSerializer.Deserialize<Provenance>(json, SiftJson.Compact).ShouldNotBeNull();
        back.Kind.ShouldBe(OracleKind.Simulation);
        back.Cost.ShouldBe(full.Cost);
        back.Decision.ShouldBe("accept-model");
    }

    [Fact]
    public async Task Emit_FromManyThreads_EveryLineWhole()
    {
        var writer = new StringWriter();
        var sink = new JsonLinesEvidenceSink(writer);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 200; i++) sink.Emit(new ExportEvent("jsonl", i, $"thread-{t}"));
        }, TestContext.Current.CancellationToken)));

        var lines = writer.ToString().TrimEnd('\n').Split('\n');
        lines.Length.ShouldBe(1600);
        foreach (var line in lines) JsonDocument.Parse(line).RootElement.GetProperty("kind").GetString().ShouldBe("export");
        EvidenceChain.Verify(lines.Select((l, i) => ((long)i + 1, EvidenceChain.ParseLine(l))), []).Entries.ShouldBe(1600);
    }
}
