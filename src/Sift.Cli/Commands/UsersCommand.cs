using System.CommandLine;
using Sift.Projects;
using Sift.Server;
using Sift.Server.Auth;

namespace Sift.Cli.Commands;

/// <summary>
/// <c>sift users add</c>: creates a user in a server's database and prints its token (once); <c>--project NAME</c>
/// (repeatable) makes an annotator or reviewer a member of those projects. Each change is an <c>access</c> evidence
/// entry, as over the API (appended after the change commits).
/// </summary>
internal static class UsersCommand
{
    /// <summary>Who made a change from the command line, in the access evidence (the API records the admin's name).</summary>
    internal const string By = "sift users add";

    public static Command Create()
    {
        var db = new Option<string?>("--db") { Description = "SQLite database file (default sift.db)." };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (instead of --db)." };
        var name = new Option<string>("--name") { Description = "The user's unique name.", Required = true };
        var role = new Option<string>("--role") { Description = "admin, annotator, reviewer or auditor.", DefaultValueFactory = _ => "annotator" };
        role.AcceptOnlyFromAmong("admin", "annotator", "reviewer", "auditor");
        var projects = new Option<string[]>("--project")
        {
            Description = "Make the user a member of this project (by name; repeat for several). Annotators and reviewers reach only their projects.",
            DefaultValueFactory = _ => [],
        };

        var add = new Command("add", "Create a user and print its login token (shown once; only its hash is stored).") { db, postgres, name, role, projects };
        add.SetAction(async (parse, ct) =>
        {
            var dbPath = parse.GetValue(db);
            var connection = parse.GetValue(postgres);
            if (dbPath is not null && connection is not null) throw new ConfigurationException("Give either --db or --postgres, not both.");
            var userName = parse.GetValue(name)!.Trim();
            if (userName.Length is 0 or > 100 || Sift.Data.TextRules.IndexOfForbiddenInName(userName) >= 0)
                throw new ConfigurationException("--name must be 1 to 100 characters without control characters.");
            await using var store = new StoreChoice(dbPath ?? "sift.db", connection).Validate().Open();
            try
            {
                await store.MigrateAsync(ct);
            }
            catch (System.Data.Common.DbException e)
            {
                throw new SiftException($"the database could not be opened: {e.Message}", e);
            }

            var userRole = Enum.Parse<Role>(parse.GetValue(role)!, ignoreCase: true);
            var memberOf = await ResolveProjectsAsync(store, parse.GetValue(projects) ?? [], userRole, ct);

            var token = UserTokens.NewToken();
            var now = TimeProvider.System.GetUtcNow();
            var user = await store.CreateUserAsync(userName, userRole, UserTokens.Hash(token), now, ct);
            foreach (var project in memberOf) await store.AddMemberAsync(project.Id, user.Id, now, ct);
            // Access changes are evidence, as over the API: the user's creation in every project they reach, each membership in its project.
            await Sift.Server.Api.AccessEvidence.UserAsync(store, user, "user-created", By, now, ct);
            foreach (var project in memberOf) await Sift.Server.Api.AccessEvidence.MemberAsync(store, project.Id, user, "member-added", By, now, ct);
            var membership = memberOf.Count == 0 ? "" : $", member of {string.Join(", ", memberOf.Select(p => $"'{p.Name}'"))}";
            Console.WriteLine($"Created {user.Role.ToString().ToLowerInvariant()} '{user.Name}' (id {user.Id}{membership}). Token (shown once): {token}");
            return 0;
        });

        return new Command("users", "Manage the server's users.") { add };
    }

    /// <summary>The projects named by <c>--project</c>, checked before the user is made (all or nothing).</summary>
    private static async Task<List<Project>> ResolveProjectsAsync(ISiftStore store, IReadOnlyList<string> names, Role role, CancellationToken ct)
    {
        if (names.Count == 0) return [];
        if (role is not (Role.Annotator or Role.Reviewer))
            throw new ConfigurationException("--project is for annotators and reviewers: admins and auditors reach every project.");
        var byName = (await store.ListProjectsAsync(ct)).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var chosen = new List<Project>();
        foreach (var name in names.Select(n => n.Trim()).Distinct(StringComparer.Ordinal))
        {
            if (!byName.TryGetValue(name, out var project)) throw new ConfigurationException($"--project: there is no project named '{name}'.");
            chosen.Add(project);
        }

        return chosen;
    }
}
