using Sift.Projects;
using Sift.Server.Training;
using Sift.Storage.Sqlite;

namespace Sift.Server.Tests.Training;

/// <summary>A real SQLite store in a temporary folder, with an admin, annotators and helpers to label like a person would.</summary>
internal sealed class LoopStore : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sift-loop-").FullName;
    private readonly List<SqliteSiftStore> _stores = [];
    private int _users;

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public SqliteSiftStore Store { get; private set; } = null!;

    public User Admin { get; private set; } = null!;

    public Dictionary<string, string> Truth { get; } = new(StringComparer.Ordinal);

    public static async Task<LoopStore> CreateAsync()
    {
        var s = new LoopStore();
        s.Store = await s.OpenAsync();
        s.Admin = await s.UserAsync(Role.Admin);
        return s;
    }

    /// <summary>Another connection to the same file, as a second server process would have.</summary>
    public async Task<SqliteSiftStore> OpenAsync()
    {
        var store = new SqliteSiftStore(Path.Combine(_folder, "sift.db"));
        await store.MigrateAsync(Ct);
        _stores.Add(store);
        return store;
    }

    public Task<User> UserAsync(Role role = Role.Annotator)
    {
        var n = Interlocked.Increment(ref _users);
        return Store.CreateUserAsync($"user{n}", role, Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + n, DateTimeOffset.UtcNow, Ct);
    }

    public static LiveLoop Loop(ISiftStore store, string owner = "test-owner", TimeSpan? lease = null, int rankingPositions = 2_000, TimeProvider? time = null) =>
        new(store, time ?? TimeProvider.System, new LiveLoopOptions
        {
            Owner = owner, TrainerLease = lease ?? TimeSpan.FromMinutes(2), BootstrapSamples = 300, RankingPositions = rankingPositions,
        });

    /// <summary>Creates a project holding the synthetic corpus; every tenth item is held out (with gold when asked).</summary>
    public async Task<Project> ProjectAsync(ProjectSettings settings, int items, bool goldOnHeldOut = true, int corpusSeed = 1, string? name = null)
    {
        var project = await Store.CreateProjectAsync(name ?? $"p{Guid.NewGuid():N}", settings, "Label the topic.", Admin.Id, DateTimeOffset.UtcNow, Ct);
        var batch = SyntheticText.Create(items, corpusSeed).Select((x, i) =>
        {
            Truth[x.Id] = x.Label;
            var heldOut = (i + 1) % 10 == 0;
            return new NewItem(x.Id, x.Text, null, 1, null, heldOut && goldOnHeldOut ? x.Label : null, heldOut);
        }).ToList();
        await Store.ImportItemsAsync(project.Id, batch, Ct);
        return project;
    }

    /// <summary>The annotator takes the next task and answers it truly; null when the queue is empty.</summary>
    public async Task<TaskRecord?> LabelNextAsync(Project project, User annotator, ISiftStore? store = null)
    {
        store ??= Store;
        var now = DateTimeOffset.UtcNow;
        var task = await store.ClaimNextAsync(project.Id, annotator.Id, now, TimeSpan.FromMinutes(10), project.Settings.Overlap, Ct);
        if (task is null) return null;
        var item = await store.GetItemAsync(project.Id, task.ItemId, Ct);
        await store.SubmitAsync(project.Id, task.Id, annotator.Id, [Truth[item!.ExternalId]], $"req-{task.Id}", now, cancellationToken: Ct);
        return task;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores) await store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }
}
