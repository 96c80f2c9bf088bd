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
                if (parse.GetValue(path) is not null) throw new ConfigurationException("Give a path or --project (with --db or --postgres), not both.");
                var dbPath = parse.GetValue(db);
                var connection = parse.GetValue(postgres);
                if (dbPath is not null && connection is not null) throw new ConfigurationException("Give either --db or --postgres, not both.");
                var choice = new StoreChoice(dbPath ?? "sift.db", connection).Validate();
                if (connection is null && !File.Exists(choice.SqlitePath)) throw new ConfigurationException($"{choice.SqlitePath}: no such database file.");
                var file = parse.GetValue(checkpoints) ?? ServerCheckpoints.FileFor(ServerCheckpoints.DefaultDirectory(choice.PostgresConnectionString is null ? choice.SqlitePath : null), projectId);
                var signed = CheckpointFile.Read(file);
                await using var store = choice.Open();
                try
                {
                    if (await store.GetProjectAsync(projectId, ct) is null) throw new ConfigurationException($"{choice.Describe()}: project {projectId} does not exist.");
                    html = await DatasheetReports.ProjectHtmlAsync(store, projectId, signed, File.Exists(file), TimeProvider.System, ct);
                }
                catch (System.Data.Common.DbException e)
                {
                    throw new SiftException($"the project could not be read (a database from before schema version 10 has no hash chain: start the server once to migrate it): {e.Message}", e);
                }
                name = string.Create(CultureInfo.InvariantCulture, $"{choice.Describe()}, project {projectId}");
            }
            else
            {
                var target = parse.GetValue(path) ?? throw new ConfigurationException("Give a simulate folder or evidence.jsonl, or --project with --db or --postgres.");
                var log = Directory.Exists(target) ? Path.Combine(target, "evidence.jsonl") : target;
                if (!File.Exists(log))
                    throw new ConfigurationException(Directory.Exists(target) ? $"{target}: no evidence.jsonl in this folder." : $"{target}: no such file or folder.");
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
