using Microsoft.Data.Sqlite;
using Sift.Projects;
using static Sift.Storage.StoreRows;

namespace Sift.Storage.Sqlite;

/// <summary>
/// <see cref="ISiftStore"/> (every store role) in one SQLite file (WAL mode, foreign keys on). Writes go through one writer connection,
/// serialised in-process by a lock and across processes by SQLite's write lock (<c>BEGIN IMMEDIATE</c>), so each
/// write is one short transaction and never spins on a busy file within a process. Reads use pooled connections and
/// run alongside writes. Thread-safe. Call <see cref="MigrateAsync"/> once before use.
/// </summary>
public sealed partial class SqliteSiftStore : ISiftStore
{
    private const int Leased = (int)TaskState.Leased, Submitted = (int)TaskState.Submitted, Skipped = (int)TaskState.Skipped, Expired = (int)TaskState.Expired;

    private readonly string _readerConnectionString;
    private readonly string _writerConnectionString;
    private readonly SqliteStoreOptions _options;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private SqliteConnection? _writer;
    private SqliteTransaction? _transaction;
    private bool _disposed;

    /// <summary>Opens (lazily, on first use) the SQLite file at <paramref name="path"/>, creating it when absent.</summary>
    /// <param name="path">The database file.</param>
    /// <param name="options">Durability and busy timeout; null for the defaults.</param>
    public SqliteSiftStore(string path, SqliteStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _options = options ?? new SqliteStoreOptions();
        if (_options.BusyTimeout < TimeSpan.Zero || _options.BusyTimeout > TimeSpan.FromHours(1))
            throw new ArgumentOutOfRangeException(nameof(options), "BusyTimeout must be between 0 and 1 hour.");
        FilePath = Path.GetFullPath(path);
        var timeoutSeconds = (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds);
        // Readers never write, so they skip the foreign-keys pragma that would otherwise run on every pooled open.
        _readerConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = timeoutSeconds,
        }.ToString();
        _writerConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false, ForeignKeys = true, DefaultTimeout = timeoutSeconds,
        }.ToString();
    }

    /// <summary>The full path of the database file.</summary>
    public string FilePath { get; }

    // ---- plumbing ----------------------------------------------------------------------------------------------

    private async Task<T> WriteAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var connection = OpenWriter();
            // BEGIN IMMEDIATE: take the file's write lock now, so a concurrent process waits here, not mid-transaction.
            using var transaction = connection.BeginTransaction(deferred: false);
            _transaction = transaction;
            try
            {
                var result = work();
                transaction.Commit();
                return result;
            }
            finally
            {
                _transaction = null;
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private Task WriteAsync(Action work, CancellationToken cancellationToken) =>
        WriteAsync(() => { work(); return true; }, cancellationToken);

    private SqliteConnection OpenWriter()
    {
        if (_writer is not null) return _writer;
        var connection = new SqliteConnection(_writerConnectionString);
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            var synchronous = _options.Durability == SqliteDurability.Full ? "FULL" : "NORMAL";
            pragma.CommandText = $"PRAGMA busy_timeout = {(long)_options.BusyTimeout.TotalMilliseconds}; PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous};";
            pragma.ExecuteNonQuery();
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        _writer = connection;
        return connection;
    }

    /// <summary>A prepared command on the writer connection, cached by its text (the writer is used by one caller at a time).</summary>
    private SqliteCommand W(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = _writer!.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }
        command.Parameters.Clear();
        command.Transaction = _transaction;
        return command;
    }

    private T Read<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var connection = new SqliteConnection(_readerConnectionString);
        connection.Open();
        return work(connection);
    }

    private static SqliteCommand R(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private static List<T> All<T>(SqliteCommand command, Func<SqliteDataReader, T> map)
    {
        using var reader = command.ExecuteReader();
        var list = new List<T>();
        while (reader.Read()) list.Add(map(reader));
        return list;
    }

    private static T? One<T>(SqliteCommand command, Func<SqliteDataReader, T> map) where T : class
    {
        using var reader = command.ExecuteReader();
        return reader.Read() ? map(reader) : null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var command in _commands.Values) command.Dispose();
            _commands.Clear();
            _writer?.Dispose();
            _writer = null;
            using var pooled = new SqliteConnection(_readerConnectionString);
            SqliteConnection.ClearPool(pooled);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // ---- schema ------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task MigrateAsync(CancellationToken cancellationToken = default) => WriteAsync(() =>
    {
        W("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)").ExecuteNonQuery();
        // Every script not yet applied, in version order, even one numbered below an applied one (branches merged late).
        var applied = All(W("SELECT version FROM schema_version"), r => r.GetInt32(0)).ToHashSet();
        foreach (var (version, sql) in Migrations.All)
        {
            if (applied.Contains(version)) continue;
            // A one-off script: run it uncached so its statements do not linger in the command cache.
            using (var command = _writer!.CreateCommand())
            {
                command.Transaction = _transaction;
                command.CommandText = sql;
                command.ExecuteNonQuery();
            }
            W("INSERT INTO schema_version (version) VALUES (@v)").With("@v", version).ExecuteNonQuery();
        }
        // Version 2 added the cold-start keys; items stored before it get theirs here (SQL cannot compute them).
        if (!applied.Contains(2)) BackfillColdKeys();
        // Version 5 added provenance; answers stored before it get a person's (C# writes the canonical JSON).
        if (!applied.Contains(5)) BackfillProvenance();
        // Version 10 added the hash chain; evidence stored before it is chained here (C# computes the hashes).
        if (!applied.Contains(10)) BackfillChain();
    }, cancellationToken);

    // ---- users -------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task<User> CreateUserAsync(string name, Role role, string tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenHash);
        return WriteAsync(() =>
        {
            if (W("SELECT 1 FROM users WHERE name = @n").With("@n", name).ExecuteScalar() is not null)
                throw new ConflictException($"A user named '{name}' already exists.");
            if (W("SELECT 1 FROM users WHERE token_hash = @h").With("@h", tokenHash).ExecuteScalar() is not null)
                throw new ConflictException("That token is already in use.");
            var id = (long)W("INSERT INTO users (name, role, token_hash, created_at, disabled) VALUES (@n, @r, @h, @t, 0) RETURNING id")
                .With("@n", name).With("@r", (int)role).With("@h", tokenHash).With("@t", Ticks(now)).ExecuteScalar()!;
            return new User(id, name, role, Time(Ticks(now)), false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<User?> FindUserByTokenHashAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        return Task.FromResult(Read(c => One(R(c, $"SELECT {UserColumns} FROM users WHERE token_hash = @h AND disabled = 0").With("@h", tokenHash), MapUser), cancellationToken));
    }

    /// <inheritdoc />
    public Task<User?> GetUserAsync(long userId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(c => One(R(c, $"SELECT {UserColumns} FROM users WHERE id = @id").With("@id", userId), MapUser), cancellationToken));

    /// <inheritdoc />
    public Task<IReadOnlyList<User>> ListUsersAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<User>>(Read(c => All(R(c, $"SELECT {UserColumns} FROM users ORDER BY id"), MapUser), cancellationToken));

    /// <inheritdoc />
    public Task<bool> SetTokenHashAsync(long userId, string tokenHash, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenHash);
        return WriteAsync(() =>
        {
            if (W("SELECT 1 FROM users WHERE token_hash = @h AND id <> @id").With("@h", tokenHash).With("@id", userId).ExecuteScalar() is not null)
                throw new ConflictException("That token is already in use.");
            return W("UPDATE users SET token_hash = @h WHERE id = @id").With("@h", tokenHash).With("@id", userId).ExecuteNonQuery() == 1;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> SetDisabledAsync(long userId, bool disabled, CancellationToken cancellationToken = default) => WriteAsync(() =>
        W("UPDATE users SET disabled = @d WHERE id = @id").With("@d", disabled ? 1 : 0).With("@id", userId).ExecuteNonQuery() == 1, cancellationToken);
}
