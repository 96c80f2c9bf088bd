using System.Net;
using System.Text.Json.Nodes;
using Sift.Oracles;
using Sift.Projects;
using Sift.Server.Api;

namespace Sift.Server.Tests.Api;

/// <summary>Per-annotator statistics: the computation on given answers, and the endpoint over HTTP.</summary>
public sealed class AnnotatorStatsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Annotation Answer(long id, long annotator, long item, string label, double minutes, double seconds) =>
        new(id, 1, item, annotator, id, [label], 1, $"r{id}", T0.AddMinutes(minutes), false)
        {
            Provenance = new Provenance { Kind = OracleKind.Person, Name = $"u{annotator}", Cost = new AnswerCost(Money: 0, Seconds: seconds) },
        };

    [Fact]
    public void Compute_TwoAnnotatorsAndGold_GivesThroughputTimeConsensusGoldAndDrift()
    {
        // Annotator 1 answers items 1–8 one minute apart (8 s each), then after a long break item 9. Annotator 2 answers
        // items 1–4 the same as 1 on 1–2 and differently on 3–4. Gold: item 1 spam, item 2 ham.
        var answers = new List<Annotation>();
        for (var i = 1; i <= 8; i++) answers.Add(Answer(i, 1, i, i % 2 == 1 ? "spam" : "ham", i, 8));
        answers.Add(Answer(9, 1, 9, "spam", 200, 20));
        answers.Add(Answer(10, 2, 1, "spam", 1.5, 4));
        answers.Add(Answer(11, 2, 2, "ham", 2.5, 6));
        answers.Add(Answer(12, 2, 3, "ham", 3.5, 6));
        answers.Add(Answer(13, 2, 4, "spam", 4.5, 100));
        var gold = new Dictionary<long, string> { [1] = "spam", [2] = "spam" };

        var rows = AnnotatorStats.Compute(answers, gold);

        rows.Select(r => r.AnnotatorId).ShouldBe([1L, 2]);
        var one = rows[0];
        one.Answers.ShouldBe(9);
        // Active: the first answer's 8 s, seven one-minute gaps, and the 20 s of the answer after the break.
        one.ActiveHours.ShouldBe(Math.Round((8 + 7 * 60 + 20) / 3600.0, 4));
        one.PerActiveHour.ShouldBe(Math.Round(9 / ((8 + 7 * 60 + 20) / 3600.0), 2));
        one.MedianSeconds.ShouldBe(8);
        one.ComparedWithConsensus.ShouldBe(4);
        one.ConsensusAgreement.ShouldBe(0.5);
        (one.GoldItems, one.GoldAccuracy).ShouldBe((2, 0.5));
        one.Drift.Count.ShouldBe(4);
        one.Drift.Sum(p => p.Answers).ShouldBe(9);
        one.Drift[0].ConsensusAgreement.ShouldBe(1.0, "items 1–2: both agree");
        one.Drift[1].ConsensusAgreement.ShouldBe(0.0, "items 3–4: they differ");
        one.Drift[3].ComparedWithConsensus.ShouldBe(0);
        rows[1].MedianSeconds.ShouldBe(6);
        rows[1].MeanSeconds.ShouldBe(29);
    }

    [Fact]
    public async Task Stats_OverHttp_AdminsOnly_PeopleWithTheirNames()
    {
        var projectId = await server.ProjectWithItemsAsync(4, overlap: 2);
        using var annotator = server.Client("annotator");
        using var other = server.Client("annotator2");
        foreach (var client in new[] { annotator, other })
        {
            foreach (var task in await TaskFlow.NextAsync(client, projectId, 2))
                await TaskFlow.SubmitAsync(client, projectId, (long)task["task_id"]!, ["a"], Guid.NewGuid().ToString());
        }

        using var admin = server.Client("admin");
        var view = JsonNode.Parse(await admin.GetStringAsync($"/api/projects/{projectId}/annotator-stats", Ct))!;
        var rows = view["annotators"]!.AsArray();
        rows.Select(r => (string)r!["name"]!).ShouldBe(["annotator", "annotator2"], ignoreOrder: true);
        rows.ShouldAllBe(r => (int)r!["answers"]! == 2);
        rows.ShouldAllBe(r => r!["gold_accuracy"] == null, "no gold items: the field is null");
        foreach (var who in new[] { "annotator", "reviewer", "auditor" })
        {
            using var client = server.Client(who);
            (await client.GetAsync($"/api/projects/{projectId}/annotator-stats", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden, who);
        }
    }
}
