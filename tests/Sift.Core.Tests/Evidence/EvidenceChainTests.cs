using System.Security.Cryptography;
using Sift.Evidence;

namespace Sift.Core.Tests.Evidence;

public sealed class EvidenceChainTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Ten export events through the real sink, and checkpoints of entries 5 and 10 signed with a fresh key.</summary>
    private static (List<string> Lines, List<Checkpoint> Checkpoints, ECDsa Key) Log()
    {
        var writer = new StringWriter();
        var sink = new JsonLinesEvidenceSink(writer);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var checkpoints = new List<Checkpoint>();
        for (var i = 1; i <= 10; i++)
        {
            sink.Emit(new ExportEvent("jsonl", i, $"run-{i}"));
            if (i % 5 == 0)
            {
                var (seq, hash) = sink.Head;
                checkpoints.Add(Checkpoint.Sign(key, "simulation", seq, hash, Noon.AddMinutes(i)));
            }
        }
        return ([.. writer.ToString().TrimEnd('\n').Split('\n')], checkpoints, key);
    }

    private static ChainVerification Verify(IEnumerable<string> lines, IReadOnlyList<Checkpoint> checkpoints, string? keyId = null) =>
        EvidenceChain.Verify(lines.Select((l, i) => ((long)i + 1, EvidenceChain.ParseLine(l))), checkpoints, keyId, "simulation");

    [Fact]
    public void Hash_KnownInput_MatchesAnIndependentSha256()
    {
        // python3: sha256(b'sift-evidence/1\n1\n' + b'0'*64 + b'\n{"kind":"stop"}')
        EvidenceChain.Hash(1, EvidenceChain.Genesis, """{"kind":"stop"}""").ShouldBe("f232fb1b36f40b95503cf6f7893cdbf75c8abe430727ab897ce8e34d3518ea58");
    }

    [Fact]
    public void Follows_IntactNextEntry_True_AndAnyBreakFalse()
    {
        var prev = new string('a', 64);
        var entry = ChainEntry.After(3, prev, """{"kind":"export","rows":2}""");

        entry.Follows(2, prev).ShouldBeTrue();
        entry.Follows(1, prev).ShouldBeFalse("a gap");
        entry.Follows(2, new string('b', 64)).ShouldBeFalse("another predecessor");
        (entry with { Json = """{"kind":"export","rows":3}""" }).Follows(2, prev).ShouldBeFalse("edited content");
    }

    [Fact]
    public void Line_ParseLine_RoundTripsAndKeepsTheEventFirst()
    {
        var entry = ChainEntry.After(3, new string('a', 64), """{"kind":"export","rows":2}""");

        var line = EvidenceChain.Line(entry);

        line.ShouldStartWith("""{"kind":"export","rows":2,"chain":{"seq":3,""");
        EvidenceChain.ParseLine(line).ShouldBe(entry);
        EvidenceChain.ParseLine("""{"kind":"export"}""").ShouldBeNull();
        EvidenceChain.ParseLine(line.Replace("\"seq\":3", "\"seq\":x", StringComparison.Ordinal)).ShouldBeNull();
    }

    [Fact]
    public void Verify_UntouchedLog_IntactWithBothCheckpoints()
    {
        var (lines, checkpoints, key) = Log();
        using (key)
        {
            var result = Verify(lines, checkpoints, checkpoints[0].KeyId);

            result.Intact.ShouldBeTrue(result.Problem?.Message);
            result.Entries.ShouldBe(10);
            result.CheckpointsMatched.ShouldBe(2);
            result.Head.ShouldBe(checkpoints[1].Hash);
        }
    }

    [Fact]
    public void Verify_ByteFlipped_EditedEntryNamed()
    {
        var (lines, checkpoints, key) = Log();
        using (key)
        {
            lines[3] = lines[3].Replace("run-4", "run-X", StringComparison.Ordinal);

            var problem = Verify(lines, checkpoints).Problem.ShouldNotBeNull();

            problem.Kind.ShouldBe(ChainProblemKind.Edited);
            (problem.Seq, problem.Line).ShouldBe((4L, 4L));
            problem.Message.ShouldContain("Entry 4 (line 4) was edited");
        }
    }

    [Fact]
    public void Verify_LineDeleted_MissingEntryNamed()
    {
        var (lines, checkpoints, key) = Log();
        using (key)
        {
            lines.RemoveAt(3);

            var problem = Verify(lines, checkpoints).Problem.ShouldNotBeNull();

            problem.Kind.ShouldBe(ChainProblemKind.Deleted);
            (problem.Seq, problem.Line).ShouldBe((4L, 4L));
            problem.Message.ShouldBe("Entry 4 is missing before line 4 (deleted or moved).");
        }
    }

    [Fact]
    public void Verify_LineRepeated_InsertedNamed()
    {
        var (lines, checkpoints, key) = Log();
        using (key)
        {
            lines.Insert(3, lines[2]);

            var problem = Verify(lines, checkpoints).Problem.ShouldNotBeNull();

            problem.Kind.ShouldBe(ChainProblemKind.Inserted);
            (problem.Seq, problem.Line).ShouldBe((3L, 4L));
        }
    }

    [Fact]
    public void Verify_ForgedEntryWithAValidHashInserted_InsertedNamed()
    {
        var (lines, checkpoints, key) = Log();
        using (key)
        {
            var third = EvidenceChain.ParseLine(lines[2])!;
            lines.Insert(3, EvidenceChain.Line(ChainEntry.After(4, third.Hash, """{"kind":"export","format":"jsonl","rows":99,"run":"forged"}""")));

            var problem = Verify(lines, checkpoints).Problem.ShouldNotBeNull();

            problem.Kind.ShouldBe(ChainProblemKind.Inserted);
            (problem.Seq, problem.Line).ShouldBe((4L, 5L));
        }
    }

    [Fact]
    public void Verify_TwoLinesSwapped_ReorderedNamed()
    {
        var (lines, checkpoints, key) = Log();
        using (key)
        {
            (lines[5], lines[6]) = (lines[6], lines[5]);

            var problem = Verify(lines, checkpoints).Problem.ShouldNotBeNull();

            problem.Kind.ShouldBe(ChainProblemKind.Reordered);
            (problem.Seq, problem.Line).ShouldBe((6L, 6L));
            problem.Message.ShouldBe("Entries 6 and 7 are out of order (lines 6 and 7 are swapped).");
        }
    }

    [Fact]
    public void Verify_TailCut_TruncatedAgainstTheLastCheckpoint()
    {
        var (lines, checkpoints, key) = Log();
        using (key)
        {
            var result = Verify(lines.Take(8), checkpoints);

            var problem = result.Problem.ShouldNotBeNull();
            problem.Kind.ShouldBe(ChainProblemKind.Truncated);
            problem.Seq.ShouldBe(9);
            problem.Message.ShouldContain("entries 9–10 are gone");
            result.Entries.ShouldBe(8);
        }
    }

    [Fact]
    public void Verify_TailCut_WithoutCheckpoints_LooksIntact()
    {
        // What a chain alone cannot see: the reason for the checkpoints.
        var (lines, _, key) = Log();
        using (key) Verify(lines.Take(8), []).Intact.ShouldBeTrue();
    }

    [Fact]
    public void Verify_WholeChainRewrittenConsistently_CaughtByTheCheckpointWithTheRangeNamed()
    {
        var (lines, checkpoints, key) = Log();
        using (key)
        {
            var entries = lines.Select(l => EvidenceChain.ParseLine(l)!).ToList();
            var prev = entries[5].Hash;
            for (var i = 6; i < entries.Count; i++)
            {
                var json = i == 6 ? entries[i].Json.Replace("run-7", "run-Z", StringComparison.Ordinal) : entries[i].Json;
                var rewritten = ChainEntry.After(entries[i].Seq, prev, json);
                lines[i] = EvidenceChain.Line(rewritten);
                prev = rewritten.Hash;
            }
            Verify(lines, []).Intact.ShouldBeTrue(); // consistent as a chain

            var problem = Verify(lines, checkpoints).Problem.ShouldNotBeNull();

            problem.Kind.ShouldBe(ChainProblemKind.Rewritten);
            problem.Seq.ShouldBe(10);
            problem.Message.ShouldContain("between entry 6 and entry 10");
        }
    }

    [Fact]
    public void Verify_LineThatIsNotAnEntry_MalformedNamed()
    {
        var (lines, checkpoints, key) = Log();
        using (key)
        {
            lines.Insert(2, """{"kind":"export"}""");

            var problem = Verify(lines, checkpoints).Problem.ShouldNotBeNull();

            problem.Kind.ShouldBe(ChainProblemKind.Malformed);
            problem.Line.ShouldBe(3);
        }
    }

    [Fact]
    public void Verify_CheckpointAltered_BadCheckpoint()
    {
        var (lines, checkpoints, key) = Log();
        using (key)
        {
            var forged = checkpoints[1] with { Hash = EvidenceChain.ParseLine(lines[8])!.Hash, Seq = 9 };

            var problem = Verify(lines, [checkpoints[0], forged]).Problem.ShouldNotBeNull();

            problem.Kind.ShouldBe(ChainProblemKind.BadCheckpoint);
            problem.Message.ShouldContain("bad signature");
        }
    }

    [Fact]
    public void Verify_CheckpointsResignedWithAnotherKey_RefusedWhenTheKeyIsPinned()
    {
        var (lines, checkpoints, key) = Log();
        using (key)
        using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var resigned = checkpoints.Select(c => Checkpoint.Sign(other, c.Scope, c.Seq, c.Hash, c.At)).ToList();

            Verify(lines, resigned).Intact.ShouldBeTrue();
            var problem = Verify(lines, resigned, checkpoints[0].KeyId).Problem.ShouldNotBeNull();

            problem.Kind.ShouldBe(ChainProblemKind.BadCheckpoint);
            problem.Message.ShouldContain($"not the trusted key {checkpoints[0].KeyId}");
        }
    }

    [Fact]
    public void Verify_CheckpointOfAnotherLog_Refused()
    {
        var (lines, checkpoints, key) = Log();
        using (key)
        {
            var elsewhere = Checkpoint.Sign(key, "project:7", checkpoints[1].Seq, checkpoints[1].Hash, Noon);

            Verify(lines, [elsewhere]).Problem.ShouldNotBeNull().Kind.ShouldBe(ChainProblemKind.BadCheckpoint);
        }
    }

    [Fact]
    public void Checkpoint_LineRoundTrip_StillVerifies()
    {
        var (_, checkpoints, key) = Log();
        using (key)
        {
            var back = Checkpoint.ParseLine(checkpoints[0].ToLine()).ShouldNotBeNull();

            back.ShouldBe(checkpoints[0]);
            back.Verify().ShouldBeTrue();
            Checkpoint.ParseLine("not json").ShouldBeNull();
        }
    }
}
