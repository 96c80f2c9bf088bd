using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Evidence;
using Sift.Items;
using Sift.Oracles;
using Sift.Projects;

namespace Sift.Storage.Tests;

/// <summary>Item content, answer provenance and the evidence stream: what every store records with its writes.</summary>
public abstract partial class StoreContract
{
    private static readonly ImportOrigin Origin = new("batch.jsonl", T0) { Sha256 = new string('a', 64) };

    private static NewItem PairItem(string id, bool conversation = false)
    {
        var pair = new PairContent($"prompt {id}", $"answer A to {id} ✓", $"answer B to {id}\n\"quoted\"")
        {
            Conversation = conversation ? [new ChatTurn("system", "Be brief."), new ChatTurn("user", $"prompt {id}")] : null,
        };
        return new NewItem(id, pair.FeatureText, "g", 2, null, null, false) { Content = pair };
    }

    private static string Encoded(ItemContent content) => content.Kind + ":" + (ItemContentJson.Encode(content) ?? content.FeatureText);

    private async Task<List<StoredEvidence>> EvidenceAsync(long projectId, ISiftStore? store = null)
    {
        var all = new List<StoredEvidence>();
        for (long after = 0; ;)
        {
            var page = await (store ?? Store).ReadEvidenceAsync(projectId, after, 7, Ct);
            if (page.Count == 0) return all;
            all.AddRange(page);
            after = page[^1].Seq;
        }
    }

    private static JsonObject Json(StoredEvidence evidence) => JsonNode.Parse(evidence.Json)!.AsObject();

    // ---- content -----------------------------------------------------------------------------------------------

    [Fact]
    public async Task ImportItemsAsync_TextAndPairContent_ReadBackEqual()
    {
        var (project, _) = await ProjectAsync();
        NewItem[] items = [NewItem("t1"), PairItem("p1"), PairItem("p2", conversation: true)];
        await Store.ImportItemsAsync(project.Id, items, Origin, Ct);

        var stored = await Store.GetItemsAsync(project.Id, Ct);
        stored.Select(i => Encoded(i.Content)).ShouldBe(items.Select(i => Encoded(i.Content)));
        stored.Select(i => i.Text).ShouldBe(items.Select(i => i.Text));
        stored[0].Content.ShouldBe(new TextContent("text of t1"));
        var pair = stored[2].Content.ShouldBeOfType<PairContent>();
        pair.ResponseB.ShouldBe("answer B to p2\n\"quoted\"");
        pair.Conversation!.Select(t => (t.Role, t.Content)).ShouldBe([("system", "Be brief."), ("user", "prompt p2")]);
        Encoded((await Store.GetItemAsync(project.Id, stored[1].Id, Ct))!.Content).ShouldBe(Encoded(items[1].Content));
        (await Store.GetItemsPageAsync(project.Id, 0, 10, Ct)).Select(i => Encoded(i.Content)).ShouldBe(items.Select(i => Encoded(i.Content)));
    }

    [Fact]
    public async Task ImportItemsAsync_TextContentDifferentFromText_ThrowsAndStoresNothing()
    {
        var (project, _) = await ProjectAsync();
        NewItem[] items = [NewItem("a"), NewItem("b") with { Content = new TextContent("something else") }];

        var error = await Should.ThrowAsync<ArgumentException>(() => Store.ImportItemsAsync(project.Id, items, Origin, Ct));

        error.Message.ShouldContain("items[1]");
        (await Store.GetItemsAsync(project.Id, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ImportItemsAsync_PairWithNul_ThrowsAndStoresNothing()
    {
        var (project, _) = await ProjectAsync();
        var bad = PairItem("b") with { Content = new PairContent("p", "a\0", "b") };

        var error = await Should.ThrowAsync<ArgumentException>(() => Store.ImportItemsAsync(project.Id, [PairItem("a"), bad], Origin, Ct));

        error.Message.ShouldContain("NUL");
        (await Store.GetItemsAsync(project.Id, Ct)).ShouldBeEmpty();
    }

    // ---- provenance --------------------------------------------------------------------------------------------

    [Fact]
    public async Task SubmitAsync_NoProvenance_RecordsThePersonWithInstructionsVersionAndTime()
    {
        var (project, admin) = await ProjectAsync();
        await Store.AddInstructionsAsync(project.Id, "# v2", admin.Id, T0, Ct);
        var ann = await UserAsync("ann");
        await RankedItemsAsync(project.Id, 2);
        var task = (await ClaimAsync(project.Id, ann))!;

        var result = await Store.SubmitAsync(project.Id, task.Id, ann.Id, ["spam"], "r1", T0.AddSeconds(7), cancellationToken: Ct);

        var expected = new Provenance { Kind = OracleKind.Person, Name = "ann", InstructionsVersion = 2, At = T0.AddSeconds(7) };
        SiftJson(result.Annotation.Provenance!).ShouldBe(SiftJson(expected));
        result.Annotation.Provenance.ShouldBe(expected);
        var read = (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).Single();
        read.Provenance.ShouldBe(expected);
        SiftJson(read.Provenance!).ShouldBe(SiftJson(expected));
        SiftJson((await Store.GetAnnotationsPageAsync(project.Id, 0, 10, cancellationToken: Ct)).Single().Provenance!).ShouldBe(SiftJson(expected));
    }

    [Fact]
    public async Task SubmitAsync_GivenProvenance_ReadsBackEqual()
    {
        var (project, _) = await ProjectAsync();
        var ann = await UserAsync("ann");
        await RankedItemsAsync(project.Id, 2);
        var task = (await ClaimAsync(project.Id, ann))!;
        var given = new Provenance
        {
            Kind = OracleKind.Router, Name = "router", PromptTemplate = "label@3", Confidence = 0.91, ConfidenceMethod = "logprobs+calibrated",
            Distribution = new Dictionary<string, double> { ["spam"] = 0.91, ["ham"] = 0.09 },
            Cost = new AnswerCost(0.0004, 120, 3, 0.8), Decision = "accept-model",
            Sources = [new Provenance { Kind = OracleKind.Model, Name = "openai:gpt-4o-mini", Confidence = 0.91 }],
            SuggestionShown = "spam",
        };

        var result = await Store.SubmitAsync(project.Id, task.Id, ann.Id, ["spam"], "r1", T0.AddSeconds(7), given, Ct);

        // The store fills in what the caller left unset (instructions version, time) and keeps the rest as given.
        var expected = given with { InstructionsVersion = 1, At = T0.AddSeconds(7) };
        SiftJson(result.Annotation.Provenance!).ShouldBe(SiftJson(expected));
        SiftJson((await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).Single().Provenance!).ShouldBe(SiftJson(expected));
        (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).Single().Provenance.ShouldBe(expected);
    }

    private static string SiftJson(Provenance provenance) => JsonSerializer.Serialize(provenance, Sift.Evidence.SiftJson.Compact);

    // ---- evidence ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task Evidence_EveryAcknowledgedWrite_AppendsItsEventOnce()
    {
        var (project, admin) = await ProjectAsync();
        var ann = await UserAsync("ann");
        await Store.ImportItemsAsync(project.Id, [NewItem("a"), NewItem("b"), PairItem("c")], Origin, Ct);
        var task = (await ClaimAsync(project.Id, ann, T0.AddSeconds(1)))!;
        await Store.SubmitAsync(project.Id, task.Id, ann.Id, ["spam"], "r1", T0.AddSeconds(2), cancellationToken: Ct);
        (await Store.SubmitAsync(project.Id, task.Id, ann.Id, ["spam"], "r1", T0.AddSeconds(3), cancellationToken: Ct)).Duplicate.ShouldBeTrue();
        await Store.UndoLastAsync(project.Id, ann.Id, T0.AddSeconds(4), Lease, Ct);
        await Store.AddModelVersionAsync(new ModelVersion(project.Id, 1, T0.AddSeconds(5), 1, 0, null, null, 0.5, true, "plateau", "{}"), cancellationToken: Ct);
        await Store.UpdateSettingsAsync(project.Id, Settings(overlap: 2), T0.AddSeconds(6), Ct);
        var seq = await Store.AppendEvidenceAsync(project.Id, new ExportEvent("jsonl", 3, admin.Name), T0.AddSeconds(7), Ct);
        // The undone task came back to the annotator: answered again (recorded), then a conflicting answer (not recorded).
        await Store.SubmitAsync(project.Id, task.Id, ann.Id, ["ham"], "r2", T0.AddSeconds(8), cancellationToken: Ct);
        await Should.ThrowAsync<ConflictException>(() => Store.SubmitAsync(project.Id, task.Id, ann.Id, ["ham"], "r3", T0.AddSeconds(9), cancellationToken: Ct));

        var evidence = await EvidenceAsync(project.Id);

        evidence.Select(e => e.Seq).ShouldBe([1L, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        evidence.Select(e => e.Kind).ShouldBe(["settings", "import", "selection", "answer", "answer", "model", "stop", "settings", "export", "answer"]);
        seq.ShouldBe(9);
        evidence.ShouldAllBe(e => e.ProjectId == project.Id);
        evidence.Select(e => e.At).ShouldBe([T0, T0, T0.AddSeconds(1), T0.AddSeconds(2), T0.AddSeconds(4), T0.AddSeconds(5), T0.AddSeconds(5), T0.AddSeconds(6), T0.AddSeconds(7), T0.AddSeconds(8)]);
        Json(evidence[0])["change"]!.GetValue<string>().ShouldBe("created");
        var import = Json(evidence[1]);
        (import["source"]!.GetValue<string>(), import["imported"]!.GetValue<int>(), import["content_kind"]!.GetValue<string>(), import["sha256"]!.GetValue<string>())
            .ShouldBe(("batch.jsonl", 3, "text,pair", Origin.Sha256!));
        var selection = Json(evidence[2]);
        selection["handed_to"]!.GetValue<string>().ShouldBe("ann");
        selection["items"]![0]!["item_id"]!.GetValue<string>().ShouldBe((await Store.GetItemAsync(project.Id, task.ItemId, Ct))!.ExternalId);
        var answer = Json(evidence[3]);
        answer["provenance"]!["name"]!.GetValue<string>().ShouldBe("ann");
        answer["provenance"]!["kind"]!.GetValue<string>().ShouldBe("person");
        answer.ContainsKey("undo").ShouldBeFalse();
        Json(evidence[4])["undo"]!.GetValue<bool>().ShouldBeTrue();
        Json(evidence[6])["reason"]!.GetValue<string>().ShouldBe("plateau");
        Json(evidence[7])["settings"]!["overlap"]!.GetValue<int>().ShouldBe(2);
        Json(evidence[8])["by"]!.GetValue<string>().ShouldBe(admin.Name);
        // Each row holds the canonical line of its event (kind first, its time set).
        evidence.ShouldAllBe(e => e.Json.StartsWith("{\"kind\":\"" + e.Kind + "\",\"at\":", StringComparison.Ordinal));
        // And each is chained to the one before it (the governance log).
        evidence[0].Prev.ShouldBe(EvidenceChain.Genesis);
        var verified = EvidenceChain.Verify(evidence.Select(e => (e.Seq, (ChainEntry?)e.ToChainEntry())), []);
        verified.Intact.ShouldBeTrue(verified.Problem?.Message);
        verified.Head.ShouldBe(evidence[^1].Hash);
    }

    [Fact]
    public async Task Evidence_FailedWrites_AppendNothing()
    {
        var (project, _) = await ProjectAsync();
        var ann = await UserAsync("ann");
        var before = await EvidenceAsync(project.Id);

        await Should.ThrowAsync<ArgumentException>(() => Store.ImportItemsAsync(project.Id, [NewItem("a"), new NewItem("b", "x\0y", null, 1, null, null, false)], Origin, Ct));
        await Should.ThrowAsync<NotFoundException>(() => Store.ImportItemsAsync(999, [NewItem("a")], Origin, Ct));
        await Should.ThrowAsync<NotFoundException>(() => Store.AppendEvidenceAsync(999, new ExportEvent("csv", 0, "x"), T0, Ct));
        await Should.ThrowAsync<NotFoundException>(() => Store.SubmitAsync(project.Id, 12345, ann.Id, ["spam"], "r", T0, cancellationToken: Ct));
        (await Store.UndoLastAsync(project.Id, ann.Id, T0, Lease, Ct)).ShouldBeNull();
        (await ClaimAsync(project.Id, ann)).ShouldBeNull();

        (await EvidenceAsync(project.Id)).Select(e => e.Seq).ShouldBe(before.Select(e => e.Seq));
        before.Select(e => e.Kind).ShouldBe(["settings"]);
        (await EvidenceAsync(999)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Evidence_SeveralProjects_NumberedPerProject()
    {
        var (one, _) = await ProjectAsync(name: "one");
        var (two, _) = await ProjectAsync(name: "two");
        await Store.ImportItemsAsync(two.Id, [NewItem("a")], Origin, Ct);
        await Store.ImportItemsAsync(one.Id, [NewItem("a")], Origin, Ct);

        (await EvidenceAsync(one.Id)).Select(e => (e.Seq, e.Kind)).ShouldBe([(1L, "settings"), (2L, "import")]);
        (await EvidenceAsync(two.Id)).Select(e => (e.Seq, e.Kind)).ShouldBe([(1L, "settings"), (2L, "import")]);
    }

    [Fact]
    public async Task ReadEvidenceAsync_Pages_AfterAndLimit()
    {
        var (project, admin) = await ProjectAsync();
        for (var i = 0; i < 5; i++) await Store.AppendEvidenceAsync(project.Id, new ExportEvent("csv", i, admin.Name), T0, Ct);

        (await Store.ReadEvidenceAsync(project.Id, 2, 2, Ct)).Select(e => e.Seq).ShouldBe([3L, 4]);
        (await Store.ReadEvidenceAsync(project.Id, 6, 10, Ct)).ShouldBeEmpty();
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Store.ReadEvidenceAsync(project.Id, -1, 10, Ct));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Store.ReadEvidenceAsync(project.Id, 0, 0, Ct));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Store.ReadEvidenceAsync(project.Id, 0, Paging.MaxLimit + 1, Ct));
    }

    [Fact]
    public async Task Evidence_ConcurrentWritersOnTwoInstances_GapFreeAndInOrder()
    {
        var (project, admin) = await ProjectAsync();
        await Store.ImportItemsAsync(project.Id, [.. Enumerable.Range(0, 80).Select(i => NewItem("e" + i))], Origin, Ct);
        var second = await SecondStoreAsync();
        var annotators = new List<User>();
        for (var i = 0; i < 6; i++) annotators.Add(await UserAsync("ann" + i));
        var acknowledged = 0;

        // Six annotators, half on each instance (own connections, as another process), label until the queue is empty;
        // an exporter appends on both instances meanwhile.
        var work = annotators.Select((annotator, index) => Task.Run(async () =>
        {
            var store = index % 2 == 0 ? Store : second;
            for (var n = 0; ; n++)
            {
                var task = await store.ClaimNextAsync(project.Id, annotator.Id, T0, Lease, 1, Ct);
                if (task is null) return;
                Interlocked.Increment(ref acknowledged);
                await store.SubmitAsync(project.Id, task.Id, annotator.Id, ["spam"], $"{annotator.Id}-{n}", T0, cancellationToken: Ct);
                Interlocked.Increment(ref acknowledged);
            }
        }, Ct)).Concat(Enumerable.Range(0, 2).Select(k => Task.Run(async () =>
        {
            for (var n = 0; n < 15; n++)
            {
                await (k == 0 ? Store : second).AppendEvidenceAsync(project.Id, new ExportEvent("csv", n, admin.Name), T0, Ct);
                Interlocked.Increment(ref acknowledged);
            }
        }, Ct)));
        await Task.WhenAll(work);

        var evidence = await EvidenceAsync(project.Id, second);
        acknowledged.ShouldBe(80 * 2 + 30);
        evidence.Select(e => e.Seq).ShouldBe(Enumerable.Range(1, 2 + acknowledged).Select(i => (long)i));
        evidence.Count(e => e.Kind == "selection").ShouldBe(80);
        evidence.Count(e => e.Kind == "answer").ShouldBe(80);
        evidence.Count(e => e.Kind == "export").ShouldBe(30);
        // One hash chain through every writer's entries, in commit order.
        EvidenceChain.Verify(evidence.Select(e => (e.Seq, (ChainEntry?)e.ToChainEntry())), []).Entries.ShouldBe(evidence.Count);
        // Commit order: every item's hand-out comes before its answer.
        var selected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in evidence.Skip(2))
        {
            var json = Json(e);
            if (e.Kind == "selection") selected.Add(json["items"]![0]!["item_id"]!.GetValue<string>()).ShouldBeTrue();
            else if (e.Kind == "answer") selected.ShouldContain(json["item_id"]!.GetValue<string>());
        }
    }
}
