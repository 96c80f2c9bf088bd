using System.Text.Json.Nodes;
using Sift.Evidence;
using Sift.Privacy;
using Sift.Projects;

namespace Sift.Storage.Tests;

/// <summary>Originals of redacted items (<see cref="IPrivacyStore"/>): written with the import, read, counted, purged with evidence.</summary>
public abstract partial class StoreContract
{
    private IPrivacyStore Privacy => (IPrivacyStore)Store;

    private static NewItem Redacted(string id, string original, string? keep = "")
    {
        var redacted = new ItemRedactor(new PrivacySettings { Redact = true, Retention = keep is null ? PrivacySettings.Drop : PrivacySettings.Keep })
            .Redact(new NewItem(id, original, null, 1, null, null, false));
        redacted.Original.ShouldNotBeNull();
        return redacted;
    }

    [Fact]
    public async Task ImportItemsAsync_RedactedItems_KeepsOriginalsAndAppendsARedactionEventAfterTheImport()
    {
        var (project, _) = await ProjectAsync();
        NewItem[] items = [Redacted("r1", "mail ann@example.com"), NewItem("plain"), Redacted("r2", "ip 203.0.113.42 and bob@example.net"), Redacted("r3", "card 4111 1111 1111 1111", keep: null)];
        var result = await Store.ImportItemsAsync(project.Id, items, Origin, Ct);
        result.Imported.ShouldBe(4);

        var stored = (await Store.GetItemsAsync(project.Id, Ct)).ToDictionary(i => i.ExternalId);
        stored["r1"].Text.ShouldBe("mail [EMAIL]");
        stored["r3"].Text.ShouldBe("card [CARD]");
        var originals = await Privacy.GetOriginalsAsync(project.Id, [.. stored.Values.Select(i => i.Id)], Ct);
        originals.Keys.Order().ShouldBe(new[] { stored["r1"].Id, stored["r2"].Id }.Order(), "r3's original was dropped, 'plain' had none");
        originals[stored["r1"].Id].ShouldBe(new StoredOriginal(stored["r1"].Id, "r1", "mail ann@example.com", ItemOriginal.Hash("mail ann@example.com")));
        (await Privacy.CountOriginalsAsync(project.Id, Ct)).ShouldBe(2);

        var evidence = await EvidenceAsync(project.Id);
        evidence.Select(e => e.Kind).ShouldBe(["settings", "import", "redaction"]);
        var redaction = Json(evidence[2]);
        redaction["items"]!.AsArray().Select(i => i!["item_id"]!.GetValue<string>()).ShouldBe(["r1", "r2", "r3"]);
        redaction["items"]![1]!["counts"]!.ToJsonString().ShouldBe("""{"email":1,"ip_address":1}""");
        redaction["items"]![2]!["sha256"]!.GetValue<string>().ShouldBe(ItemOriginal.Hash("card 4111 1111 1111 1111"));
        evidence[2].Json.ShouldNotContain("ann@");
        evidence[2].Json.ShouldNotContain("4111");
        EvidenceChain.Verify(evidence.Select(e => (e.Seq, (ChainEntry?)e.ToChainEntry())), []).Intact.ShouldBeTrue();
    }

    [Fact]
    public async Task ImportItemsAsync_RedactedDuplicate_RecordsOnlyTheItemsAdded()
    {
        var (project, _) = await ProjectAsync();
        await Store.ImportItemsAsync(project.Id, [Redacted("d1", "mail ann@example.com")], Origin, Ct);
        await Store.ImportItemsAsync(project.Id, [Redacted("d1", "mail zed@example.com"), Redacted("d2", "mail bob@example.com"), Redacted("d2", "mail cid@example.com")], Origin, Ct);

        var evidence = await EvidenceAsync(project.Id);
        evidence.Select(e => e.Kind).ShouldBe(["settings", "import", "redaction", "import", "redaction"]);
        Json(evidence[4])["items"]!.AsArray().Select(i => i!["sha256"]!.GetValue<string>()).ShouldBe([ItemOriginal.Hash("mail bob@example.com")]);
        var items = (await Store.GetItemsAsync(project.Id, Ct)).ToDictionary(i => i.ExternalId, i => i.Id);
        var originals = await Privacy.GetOriginalsAsync(project.Id, [.. items.Values], Ct);
        originals[items["d1"]].Text.ShouldBe("mail ann@example.com", "a duplicate id changes nothing");
        originals[items["d2"]].Text.ShouldBe("mail bob@example.com", "the first of a repeated id is the one stored");
    }

    [Fact]
    public async Task ImportItemsAsync_BadItemAfterRedactedOnes_LeavesNoOriginalAndNoEvent()
    {
        var (project, _) = await ProjectAsync();
        NewItem[] items = [Redacted("ok", "mail ann@example.com"), new NewItem("", "x", null, 1, null, null, false)];
        await Should.ThrowAsync<ArgumentException>(() => Store.ImportItemsAsync(project.Id, items, Origin, Ct));
        (await Privacy.CountOriginalsAsync(project.Id, Ct)).ShouldBe(0);
        (await EvidenceAsync(project.Id)).Select(e => e.Kind).ShouldBe(["settings"]);
    }

    [Fact]
    public async Task PurgeOriginalsAsync_DeletesThemAndRecordsTheHashesKept_ChainStillVerifies()
    {
        var (project, _) = await ProjectAsync();
        var (other, _) = await ProjectAsync(name: "other");
        await Store.ImportItemsAsync(project.Id, [Redacted("a", "mail ann@example.com"), Redacted("b", "ip 203.0.113.42")], Origin, Ct);
        await Store.ImportItemsAsync(other.Id, [Redacted("a", "mail ann@example.com")], Origin, Ct);

        (await Privacy.PurgeOriginalsAsync(project.Id, PrivacySettings.PurgeAfterExport, "export", T0.AddHours(1), Ct)).ShouldBe(2);
        (await Privacy.CountOriginalsAsync(project.Id, Ct)).ShouldBe(0);
        (await Privacy.CountOriginalsAsync(other.Id, Ct)).ShouldBe(1, "another project's originals stay");
        (await Privacy.PurgeOriginalsAsync(project.Id, PrivacySettings.PurgeAfterExport, "export", T0.AddHours(2), Ct)).ShouldBe(0);

        var evidence = await EvidenceAsync(project.Id);
        evidence.Select(e => e.Kind).ShouldBe(["settings", "import", "redaction", "retention"], "an empty purge records nothing");
        var retention = Json(evidence[3]);
        retention["items"]!.GetValue<int>().ShouldBe(2);
        retention["purged"]!.AsArray().Select(p => (p!["item_id"]!.GetValue<string>(), p["sha256"]!.GetValue<string>()))
            .ShouldBe([("a", ItemOriginal.Hash("mail ann@example.com")), ("b", ItemOriginal.Hash("ip 203.0.113.42"))]);
        evidence[3].At.ShouldBe(T0.AddHours(1));
        EvidenceChain.Verify(evidence.Select(e => (e.Seq, (ChainEntry?)e.ToChainEntry())), []).Intact.ShouldBeTrue();
        (await Privacy.GetEvidenceHeadAsync(project.Id, Ct)).ShouldBe(new ChainHead(4, evidence[3].Hash));
        await Should.ThrowAsync<NotFoundException>(() => Privacy.PurgeOriginalsAsync(987_654, PrivacySettings.PurgeAfterExport, "export", T0, Ct));
    }

    [Fact]
    public async Task ProjectSettings_Privacy_RoundTripsThroughTheStore()
    {
        var admin = await UserAsync("admin-privacy", Role.Admin);
        var privacy = new PrivacySettings
        {
            Redact = true, Kinds = ["email", "iban"], CustomPatterns = new Dictionary<string, string> { ["ticket"] = @"TCK-\d+" },
            AllowList = ["help@example.com"], Retention = PrivacySettings.PurgeAfterExport,
        };
        var project = await Store.CreateProjectAsync("privacy", Settings() with { Privacy = privacy }, "", admin.Id, T0, Ct);
        var read = (await Store.GetProjectAsync(project.Id, Ct))!.Settings.Privacy;
        read.Redact.ShouldBeTrue();
        read.Kinds.ShouldBe(["email", "iban"]);
        read.CustomPatterns.ShouldBe(privacy.CustomPatterns);
        read.AllowList.ShouldBe(["help@example.com"]);
        read.Retention.ShouldBe(PrivacySettings.PurgeAfterExport);
        (await Privacy.GetEvidenceHeadAsync(987_654, Ct)).ShouldBeNull();
        JsonNode.Parse((await EvidenceAsync(project.Id))[0].Json)!["settings"]!["privacy"]!["retention"]!.GetValue<string>().ShouldBe("purge-after-export");
    }
}
