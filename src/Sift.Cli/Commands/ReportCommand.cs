using System.CommandLine;
using System.Globalization;
using Sift.Server.Governance;
using Sift.Server.Report;

namespace Sift.Cli.Commands;

/// <summary>
/// <c>sift report PATH --out report.html</c> or <c>sift report --db FILE|--postgres CONN --project ID --out report.html</c>:
/// writes the self-contained HTML datasheet of a <c>simulate</c> run or of a server project (read without writing, like
/// <c>sift verify</c>) — the same page the server serves at <c>GET /api/projects/{id}/report</c>.
/// </summary>
internal static class ReportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var path = new Argument<string?>("path") { Description = "A simulate output folder or its evidence.jsonl (or give --project with --db/--postgres).", Arity = ArgumentArity.ZeroOrOne };
        var db = new Option<string?>("--db") { Description = "A server's SQLite database file; with --project." };
        var postgres = new Option<string?>("--postgres") { Description = "A server's PostgreSQL connection string (instead of --db); with --project." };
        var project = new Option<long?>("--project") { Description = "The project to report on, read from --db or --postgres (nothing is written)." };
        var checkpoints = new Option<string?>("--checkpoints") { Description = "The checkpoint file (default: as for sift verify)." };
        var output = new Option<string>("--out") { Description = "The HTML file to write (default report.html).", DefaultValueFactory = _ => "report.html" };
        var command = new Command("report", "Write the HTML datasheet of a simulate run or a server project: provenance, acquisition, oracles, agreement, curves, lift, subgroups, stopping, privacy, verification, gaps.")
        {
            path, db, postgres, project, checkpoints, output,
        };
        command.SetAction(async (parse, ct) =>
        {
            var outPath = parse.GetValue(output)!;
            string html;
            string name;
            if (parse.GetValue(project) is { } projectId)
            {
                var (choice, file) = EvidenceSource.Project(parse.GetValue(path), parse.GetValue(db), parse.GetValue(postgres), parse.GetValue(checkpoints), projectId);
                var signed = CheckpointFile.Read(file);
                await using var store = choice.Open();
                html = await EvidenceSource.ReadProjectAsync(store, choice, projectId, "the project",
                    () => DatasheetReports.ProjectHtmlAsync(store, projectId, signed, File.Exists(file), TimeProvider.System, ct), ct);
                name = string.Create(CultureInfo.InvariantCulture, $"{choice.Describe()}, project {projectId}");
            }
            else
            {
                var log = EvidenceSource.LogFile(parse.GetValue(path));
                var signed = CheckpointFile.Read(parse.GetValue(checkpoints) ?? CheckpointFile.For(log));
                html = DatasheetReports.SimulationHtml(log, signed, EvidenceFile.SimulationScope, TimeProvider.System);
                name = log;
            }
            var directory = Path.GetDirectoryName(Path.GetFullPath(outPath));
            if (directory is not null) Directory.CreateDirectory(directory);
            await File.WriteAllTextAsync(outPath, html, ct);
            parse.InvocationConfiguration.Output.WriteLine($"wrote {outPath}: the datasheet of {name}");
            return 0;
        });
        return command;
    }
}
