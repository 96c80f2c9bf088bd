using System.Globalization;
using System.Reflection;
using Sift.Projects;

namespace Sift.Storage.Tests;

/// <summary>
/// A database made before project membership (schema version 2 or older) and then upgraded by
/// <see cref="ISiftStore.MigrateAsync"/>: one scenario that each backend runs, given SQL access to a fresh, empty database.
/// What an existing deployment gets: every annotator and reviewer becomes a member of every project that existed, so
/// upgrading takes nobody's work away; admins and auditors need no membership; later projects start with none.
/// </summary>
internal static class MembershipUpgrade
{
    /// <summary>The first schema version with project membership.</summary>
    public const int MembershipVersion = 3;

    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    /// <param name="store">A store on the empty database, not migrated.</param>
    /// <param name="execute">Runs one SQL script on that database.</param>
    /// <param name="ct">Cancellation.</param>
    public static async Task RunAsync(ISiftStore store, Func<string, Task> execute, CancellationToken ct)
    {
        // The schema as an older build left it: every script before membership, recorded as applied.
        await execute("CREATE TABLE schema_version (version integer NOT NULL)");
        foreach (var (version, sql) in Scripts(store.GetType().Assembly).Where(s => s.Version < MembershipVersion))
        {
            await execute(sql);
            await execute($"INSERT INTO schema_version (version) VALUES ({version})");
        }

        // Users of every role (one annotator disabled) and two projects, written as the older build wrote them.
        string[] users = ["admin:0:10", "ann:1:20", "rev:2:30", "aud:3:40", "late-ann:1:500"];
        foreach (var user in users)
        {
            var parts = user.Split(':');
            await execute($"INSERT INTO users (name, role, token_hash, created_at) VALUES ('{parts[0]}', {parts[1]}, 'hash-{parts[0]}', {Ticks(int.Parse(parts[2], CultureInfo.InvariantCulture))})");
        }
        await execute("UPDATE users SET disabled = (name = 'late-ann')");
        foreach (var (name, minute) in new[] { ("one", 100), ("two", 200) })
        {
            await execute($$"""INSERT INTO projects (name, settings_json, overlap, instructions_version, created_at) VALUES ('{{name}}', '{"labels":["spam","ham"],"overlap":1}', 1, 1, {{Ticks(minute)}})""");
        }

        await store.MigrateAsync(ct);
        await store.MigrateAsync(ct); // idempotent: nothing is added twice

        var ids = (await store.ListUsersAsync(ct)).ToDictionary(u => u.Name, u => u.Id);
        var projects = (await store.ListProjectsAsync(ct)).ToDictionary(p => p.Name, p => p.Id);
        projects.Keys.Order().ShouldBe(["one", "two"]);
        foreach (var (name, minute) in new[] { ("one", 100), ("two", 200) })
        {
            // Added when both the project and the user existed: the later creation time (no clock is read).
            (await store.ListMembersAsync(projects[name], ct)).ShouldBe([
                new ProjectMember(projects[name], ids["ann"], T0.AddMinutes(minute)),
                new ProjectMember(projects[name], ids["rev"], T0.AddMinutes(minute)),
                new ProjectMember(projects[name], ids["late-ann"], T0.AddMinutes(Math.Max(minute, 500))),
            ]);
        }
        (await store.GetMemberProjectIdsAsync(ids["admin"], ct)).ShouldBeEmpty();
        (await store.GetMemberProjectIdsAsync(ids["aud"], ct)).ShouldBeEmpty();

        // After the upgrade, membership is given by admins: a new project has no members, a new user no projects.
        var fresh = await store.CreateProjectAsync("three", new ProjectSettings { Labels = ["spam", "ham"] }, "", ids["admin"], T0.AddDays(1), ct);
        (await store.ListMembersAsync(fresh.Id, ct)).ShouldBeEmpty();
        var newcomer = await store.CreateUserAsync("newcomer", Role.Annotator, "hash-newcomer", T0.AddDays(1), ct);
        (await store.GetMemberProjectIdsAsync(newcomer.Id, ct)).ShouldBeEmpty();
        (await store.GetMemberProjectIdsAsync(ids["ann"], ct)).ShouldBe([projects["one"], projects["two"]]);
    }

    private static long Ticks(int minutes) => T0.AddMinutes(minutes).UtcTicks;

    /// <summary>The store assembly's embedded migration scripts (<c>….Migrations.NNN_name.sql</c>), in version order.</summary>
    private static List<(int Version, string Sql)> Scripts(Assembly assembly)
    {
        var scripts = new List<(int, string)>();
        foreach (var name in assembly.GetManifestResourceNames())
        {
            var at = name.IndexOf(".Migrations.", StringComparison.Ordinal);
            if (at < 0 || !name.EndsWith(".sql", StringComparison.Ordinal)) continue;
            var version = int.Parse(name.AsSpan(at + ".Migrations.".Length, 3), CultureInfo.InvariantCulture);
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            scripts.Add((version, reader.ReadToEnd()));
        }

        scripts.Count.ShouldBeGreaterThan(0, "the store embeds its migration scripts");
        return [.. scripts.OrderBy(s => s.Item1)];
    }
}
