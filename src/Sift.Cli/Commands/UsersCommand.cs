using System.CommandLine;
using Sift.Projects;
using Sift.Server;
using Sift.Server.Auth;

namespace Sift.Cli.Commands;

/// <summary><c>sift users add</c>: creates a user in a server's database and prints its token (once).</summary>
internal static class UsersCommand
{
    public static Command Create()
    {
        var db = new Option<string?>("--db") { Description = "SQLite database file (default sift.db)." };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (instead of --db)." };
        var name = new Option<string>("--name") { Description = "The user's unique name.", Required = true };
        var role = new Option<string>("--role") { Description = "admin, annotator, reviewer or auditor.", DefaultValueFactory = _ => "annotator" };
        role.AcceptOnlyFromAmong("admin", "annotator", "reviewer", "auditor");

        var add = new Command("add", "Create a user and print its login token (shown once; only its hash is stored).") { db, postgres, name, role };
        add.SetAction(async (parse, ct) =>
        {
            var dbPath = parse.GetValue(db);
            var connection = parse.GetValue(postgres);
            if (dbPath is not null && connection is not null) throw new ConfigurationException("Give either --db or --postgres, not both.");
            var userName = parse.GetValue(name)!.Trim();
            if (userName.Length is 0 or > 100 || Sift.Data.TextRules.IndexOfForbiddenInName(userName) >= 0)
                throw new ConfigurationException("--name must be 1 to 100 characters without control characters.");
            var options = new SiftServerOptions { SqlitePath = dbPath ?? "sift.db", PostgresConnectionString = connection };
            options.Validate();

            await using var store = SiftStores.Open(options);
            try
            {
                await store.MigrateAsync(ct);
            }
            catch (System.Data.Common.DbException e)
            {
                throw new SiftException($"the database could not be opened: {e.Message}", e);
            }

            var token = UserTokens.NewToken();
            var user = await store.CreateUserAsync(userName, Enum.Parse<Role>(parse.GetValue(role)!, ignoreCase: true), UserTokens.Hash(token), TimeProvider.System.GetUtcNow(), ct);
            Console.WriteLine($"Created {user.Role.ToString().ToLowerInvariant()} '{user.Name}' (id {user.Id}). Token (shown once): {token}");
            return 0;
        });

        return new Command("users", "Manage the server's users.") { add };
    }
}
