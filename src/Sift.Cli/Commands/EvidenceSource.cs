using Sift.Projects;
using Sift.Server.Governance;

namespace Sift.Cli.Commands;

/// <summary>
/// Where <c>sift verify</c> and <c>sift report</c> read an evidence log: a <c>simulate</c> folder or its
/// <c>evidence.jsonl</c>, or a server project read from <c>--db</c> / <c>--postgres</c> without writing. Checks the
/// arguments the same way for both and names what is wrong in one sentence.
/// </summary>
internal static class EvidenceSource
{
    /// <summary>A server project's store and its checkpoint file (<paramref name="checkpoints"/>, else the server's default for it).</summary>
    public static (StoreChoice Choice, string CheckpointFile) Project(string? path, string? db, string? postgres, string? checkpoints, long projectId)
    {
        if (path is not null) throw new ConfigurationException("Give a path or --project (with --db or --postgres), not both.");
        if (db is not null && postgres is not null) throw new ConfigurationException("Give either --db or --postgres, not both.");
        var choice = new StoreChoice(db ?? "sift.db", postgres).Validate();
        if (postgres is null && !File.Exists(choice.SqlitePath)) throw new ConfigurationException($"{choice.SqlitePath}: no such database file.");
        var file = checkpoints ?? ServerCheckpoints.FileFor(ServerCheckpoints.DefaultDirectory(choice.PostgresConnectionString is null ? choice.SqlitePath : null), projectId);
        return (choice, file);
    }

    /// <summary>Reads a project with <paramref name="read"/> after checking it exists; a database error (e.g. a schema without the chain) becomes one sentence starting with <paramref name="what"/>.</summary>
    public static async Task<T> ReadProjectAsync<T>(ISiftStore store, StoreChoice choice, long projectId, string what, Func<Task<T>> read, CancellationToken ct)
    {
        try
        {
            if (await store.GetProjectAsync(projectId, ct) is null) throw new ConfigurationException($"{choice.Describe()}: project {projectId} does not exist.");
            return await read();
        }
        catch (System.Data.Common.DbException e)
        {
            throw new SiftException($"{what} could not be read (a database from before schema version 10 has no hash chain: start the server once to migrate it): {e.Message}", e);
        }
    }

    /// <summary>The evidence.jsonl that <paramref name="path"/> names (the file, or the one in the folder).</summary>
    public static string LogFile(string? path)
    {
        var target = path ?? throw new ConfigurationException("Give a simulate folder or evidence.jsonl, or --project with --db or --postgres.");
        var log = Directory.Exists(target) ? Path.Combine(target, "evidence.jsonl") : target;
        if (!File.Exists(log))
            throw new ConfigurationException(Directory.Exists(target) ? $"{target}: no evidence.jsonl in this folder." : $"{target}: no such file or folder.");
        return log;
    }
}
