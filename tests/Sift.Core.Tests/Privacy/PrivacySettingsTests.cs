using System.Security.Cryptography;
using System.Text;
using Sift.Evidence;
using Sift.Items;
using Sift.Privacy;
using Sift.Projects;

namespace Sift.Core.Tests.Privacy;

public sealed class PrivacySettingsTests
{
    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [Theory]
    [InlineData("(unclosed", "privacy.custom_patterns.p: not a valid regular expression")]
    [InlineData("a*", "privacy.custom_patterns.p: the pattern matches the empty text")]
    [InlineData(" ", "privacy.custom_patterns.p: the pattern is empty")]
    public void Validate_BadPattern_NamesTheField(string pattern, string start)
    {
        var settings = new PrivacySettings { CustomPatterns = new Dictionary<string, string> { ["p"] = pattern } };
        Should.Throw<ConfigurationException>(settings.Validate).Message.ShouldStartWith(start);
    }

    [Fact]
    public void Validate_TooLongPatternBadNameBadKindBadRetention_EachNamed()
    {
        Should.Throw<ConfigurationException>(new PrivacySettings { CustomPatterns = new Dictionary<string, string> { ["p"] = new string('x', 501) } }.Validate)
            .Message.ShouldStartWith("privacy.custom_patterns.p: longer than 500");
        Should.Throw<ConfigurationException>(new PrivacySettings { CustomPatterns = new Dictionary<string, string> { ["1x"] = "x" } }.Validate)
            .Message.ShouldStartWith("privacy.custom_patterns: the name '1x'");
        Should.Throw<ConfigurationException>(new PrivacySettings { Kinds = ["email", "nope"] }.Validate).Message.ShouldStartWith("privacy.kinds: 'nope'");
        Should.Throw<ConfigurationException>(new PrivacySettings { Kinds = [] }.Validate).Message.ShouldStartWith("privacy.kinds:");
        Should.Throw<ConfigurationException>(new PrivacySettings { Retention = "forever" }.Validate).Message.ShouldStartWith("privacy.retention:");
        Should.Throw<ConfigurationException>(new PrivacySettings { AllowList = [""] }.Validate).Message.ShouldStartWith("privacy.allow_list:");
    }

    [Fact]
    public void ProjectSettings_StoredBeforePrivacyExisted_ReadAsNoRedaction()
    {
        new ProjectSettings().Privacy.Redact.ShouldBeFalse();
        PrivacySettings.ForNewProjects.Redact.ShouldBeTrue();
        PrivacySettings.ForNewProjects.Kinds.ShouldBeNull("every kind, including kinds added later");
        PrivacySettings.ForNewProjects.Retention.ShouldBe(PrivacySettings.Keep);
        Should.Throw<ConfigurationException>(new ProjectSettings { Labels = ["a", "b"], Privacy = new PrivacySettings { Retention = "x" } }.Validate)
            .Message.ShouldStartWith("privacy.retention:");
    }

    [Fact]
    public void Redact_TextItem_ReplacesFindingsAndKeepsTheOriginalWithItsHashAndCounts()
    {
        const string text = "Mail ann@example.com or bob@example.net, card 4111 1111 1111 1111.";
        var redactor = new ItemRedactor(PrivacySettings.ForNewProjects);
        var item = redactor.Redact(new NewItem("i1", text, null, 1, null, null, false));
        item.Text.ShouldBe("Mail [EMAIL] or [EMAIL], card [CARD].");
        item.Content.ShouldBe(new TextContent(item.Text));
        item.Original.ShouldNotBeNull();
        item.Original.Text.ShouldBe(text);
        item.Original.Sha256.ShouldBe(Sha(text));
        item.Original.Counts.ShouldBe(new Dictionary<string, int> { ["email"] = 2, ["payment_card"] = 1 });
        item.Original.ToString().ShouldNotContain("ann@", Case.Sensitive, "logs never get the text");
    }

    [Fact]
    public void Redact_NothingFound_ReturnsTheItemUnchanged()
    {
        var given = new NewItem("i1", "nothing to see, order 1234-5678-9012", null, 1, null, null, false);
        new ItemRedactor(PrivacySettings.ForNewProjects).Redact(given).ShouldBeSameAs(given);
    }

    [Fact]
    public void Redact_PatternRunsOutOfTime_WithholdsTheWholeText()
    {
        var settings = new PrivacySettings { Redact = true, CustomPatterns = new Dictionary<string, string> { ["evil"] = "(a+)+$" } };
        var text = "mail ann@example.com " + new string('a', 40) + "!";
        var detector = settings.CreateDetector();
        var redaction = detector.Redact(text);
        redaction.Incomplete.ShouldBeTrue("exponential backtracking cannot finish in 250 ms");
        redaction.Text.ShouldStartWith("mail [EMAIL]", Case.Sensitive, "the other patterns still ran");

        var item = new ItemRedactor(settings).Redact(new NewItem("i1", text, null, 1, null, null, false));
        item.Text.ShouldBe(ItemRedactor.Withheld, "fail closed: a text the check did not finish on is not shown at all");
        item.Original!.Text.ShouldBe(text);
        item.Original.Counts.ShouldBe(new Dictionary<string, int> { ["email"] = 1, ["withheld"] = 1 });
        new ItemRedactor(settings).Redact(new NewItem("i2", "aaaa", null, 1, null, null, false)).Text.ShouldBe("[EVIL]");
    }

    [Fact]
    public void Redact_RetentionDrop_KeepsOnlyTheHash()
    {
        var item = new ItemRedactor(new PrivacySettings { Redact = true, Retention = PrivacySettings.Drop })
            .Redact(new NewItem("i1", "ip 203.0.113.42", null, 1, null, null, false));
        item.Text.ShouldBe("ip [IP]");
        item.Original!.Text.ShouldBeNull();
        item.Original.Sha256.ShouldBe(Sha("ip 203.0.113.42"));
    }

    [Fact]
    public void Redact_PairItem_RedactsPromptTurnsAndBothResponses()
    {
        var pair = new PairContent("my mail is ann@example.com", "reply to ann@example.com", "call +44 20 7946 0958")
        {
            Conversation = [new ChatTurn("user", "my mail is ann@example.com")],
        };
        var item = new ItemRedactor(PrivacySettings.ForNewProjects).Redact(new NewItem("p1", pair.FeatureText, null, 1, null, null, false) { Content = pair });
        var redacted = item.Content.ShouldBeOfType<PairContent>();
        redacted.Prompt.ShouldBe("my mail is [EMAIL]");
        redacted.ResponseA.ShouldBe("reply to [EMAIL]");
        redacted.ResponseB.ShouldBe("call [PHONE]");
        redacted.Conversation!.Single().Content.ShouldBe("my mail is [EMAIL]");
        item.Text.ShouldNotContain("ann@");
        item.Original!.Text.ShouldBe(ItemContentJson.Encode(pair));
        item.Original.Counts["email"].ShouldBe(3, "prompt, turn and response A; the feature text's copies are not counted again");
        item.Original.Counts["phone"].ShouldBe(1);
    }

    [Fact]
    public void RedactionEvent_Json_HoldsHashesAndCountsNeverText()
    {
        var items = Enumerable.Range(0, 2_500).Select(i => new RedactedItem($"i{i}", Sha($"t{i}"), new Dictionary<string, int> { ["email"] = 1 })).ToList();
        var events = RedactionEvent.For(items, PrivacySettings.Keep, true, "abc");
        events.Count.ShouldBe(3);
        events.Select(e => e.Items.Count).ShouldBe([1_000, 1_000, 500]);
        events.Select(e => e.Part).ShouldBe([1, 2, 3]);
        events.ShouldAllBe(e => e.Parts == 3);
        var json = EvidenceJson.Serialize(events[2]);
        json.ShouldStartWith("{\"kind\":\"redaction\"");
        json.ShouldContain("\"totals\":{\"email\":500}");
        RedactionEvent.For([], PrivacySettings.Keep, true, null).ShouldBeEmpty();
        EvidenceJson.Serialize(RetentionEvent.For(PrivacySettings.PurgeAfterExport, [new PurgedItem("i1", Sha("x"))]).Single())
            .ShouldStartWith("{\"kind\":\"retention\",\"policy\":\"purge-after-export\",\"items\":1,");
    }

    [Fact]
    public void ChainHead_ParseAndCheck_CatchRewrittenAndCutLogs()
    {
        var entries = new List<ChainEntry>();
        var prev = EvidenceChain.Genesis;
        for (var i = 1; i <= 5; i++)
        {
            var entry = ChainEntry.After(i, prev, $"{{\"kind\":\"x\",\"n\":{i}}}");
            entries.Add(entry);
            prev = entry.Hash;
        }
        IEnumerable<(long, ChainEntry?)> Log(IEnumerable<ChainEntry> log) => log.Select(e => ((long)e.Seq, (ChainEntry?)e));
        ChainVerification Verify(IEnumerable<ChainEntry> log, ChainHead head)
        {
            var watcher = new ChainHead.Watcher([head]);
            return watcher.Check(EvidenceChain.Verify(watcher.Watch(Log(log)), []));
        }

        var head = ChainHead.Parse($"4:{entries[3].Hash.ToUpperInvariant()}");
        head.ShouldBe(new ChainHead(4, entries[3].Hash));
        Verify(entries, head).Intact.ShouldBeTrue();

        // Rewritten consistently from entry 2 on: the chain alone verifies, the exported head does not.
        var rewritten = new List<ChainEntry> { entries[0] };
        for (var i = 2; i <= 5; i++) rewritten.Add(ChainEntry.After(i, rewritten[^1].Hash, $"{{\"kind\":\"x\",\"n\":{i * 10}}}"));
        EvidenceChain.Verify(Log(rewritten), []).Intact.ShouldBeTrue();
        var caught = Verify(rewritten, head);
        caught.Problem!.Kind.ShouldBe(ChainProblemKind.Rewritten);
        caught.Problem.Seq.ShouldBe(4);

        var cut = Verify(entries.Take(3), head);
        cut.Problem!.Kind.ShouldBe(ChainProblemKind.Truncated);
        cut.Problem.Message.ShouldContain("entries 4–4 are gone");

        Should.Throw<ConfigurationException>(() => ChainHead.Parse("4:abc")).Message.ShouldStartWith("--head:");
        Should.Throw<ConfigurationException>(() => ChainHead.Parse($"0:{entries[0].Hash}"));
    }
}
