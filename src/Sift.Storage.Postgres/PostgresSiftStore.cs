using System.Data;
using Npgsql;
using NpgsqlTypes;
using Sift.Projects;
using static Sift.Storage.StoreRows;

namespace Sift.Storage.Postgres;

/// <summary>
/// <see cref="ISiftStore"/> (every store role) on PostgreSQL (Npgsql). Several processes may share one database: task hand-out locks the
/// chosen item (<c>FOR NO KEY UPDATE SKIP LOCKED</c>) and bumps its slot counter with a conditional update, so an item never
/// has more than k live holders; the trainer lease is a row taken with a conditional upsert. Transactions run at READ
/// COMMITTED and are retried on deadlocks, serialization failures and the unique-key races they expect. Thread-safe.
/// Call <see cref="MigrateAsync"/> once before use (concurrent starters are serialised by an advisory lock).
/// </summary>
public sealed partial class PostgresSiftStore : ISiftStore
{
    private const int Leased = (int)TaskState.Leased, Skipped = (int)TaskState.Skipped;

    /// <summary>Key of the advisory lock that serialises migrations ("sift" in ASCII).</summary>
    private const long MigrationLockKey = 0x73696674;
    private const int MaxAttempts = 30;

    private static readonly HashSet<string> RetryableUniqueKeys = new(StringComparer.Ordinal)
    {
        "tasks_project_annotator_item_key", "annotations_annotator_request_key",
    };

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Last seen overlap per project (a hint for the claim's index choice; checked on every claim).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, int> _overlaps = new();

    /// <summary>Creates a store on the database named by <paramref name="connectionString"/> (an Npgsql connection string).</summary>
    /// <remarks>Statements are prepared automatically (<c>Max Auto Prepare</c> is set to 64 unless the string sets it).</remarks>
    public PostgresSiftStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0) builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        _dataSource = builder.Build();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    // ---- plumbing ----------------------------------------------------------------------------------------------

    /// <summary>One open transaction: makes commands bound to it.</summary>
    private sealed class Tx(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        public CancellationToken Ct { get; } = cancellationToken;

        public NpgsqlCommand Cmd(string sql) => new(sql, connection, transaction);

        public NpgsqlBatch Batch(params NpgsqlBatchCommand[] statements)
        {
            var batch = new NpgsqlBatch(connection, transaction);
            foreach (var statement in statements) batch.BatchCommands.Add(statement);
            return batch;
        }
    }

    /// <summary>Thrown inside a transaction to roll it back and run it again (a race another transaction won).</summary>
    private sealed class RetryException : Exception;

    private async Task<T> WriteAsync<T>(Func<Tx, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
                var result = await work(new Tx(connection, transaction, cancellationToken)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
            catch (Exception e) when (attempt < MaxAttempts && IsRetryable(e))
            {
#pragma warning disable RS0030 // retry jitter only spreads out colliding writers; no stored value or result depends on it
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * Math.Min(attempt, 10))), cancellationToken).ConfigureAwait(false);
#pragma warning restore RS0030
            }
        }
    }

    private Task WriteAsync(Func<Tx, Task> work, CancellationToken cancellationToken) =>
        WriteAsync(async tx => { await work(tx).ConfigureAwait(false); return true; }, cancellationToken);

    private static bool IsRetryable(Exception e) => e switch
    {
        RetryException => true,
        PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected } => true,
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } p => p.ConstraintName is not null && RetryableUniqueKeys.Contains(p.ConstraintName),
        _ => false,
    };

    private NpgsqlCommand R(string sql) => _dataSource.CreateCommand(sql);

    private static NpgsqlBatchCommand Statement(string sql, params NpgsqlParameter[] parameters)
    {
        var statement = new NpgsqlBatchCommand(sql);
        statement.Parameters.AddRange(parameters);
        return statement;
    }

    private static NpgsqlParameter<T> P<T>(string name, T value) => new(name, value);

    // ---- schema ------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task MigrateAsync(CancellationToken cancellationToken = default) => WriteAsync(async tx =>
    {
        // Held to the end of the transaction: concurrent starters migrate one after another, the later ones find nothing to do.
        await tx.Cmd("SELECT pg_advisory_xact_lock(@k)").With("@k", MigrationLockKey).ExecAsync(tx.Ct);
        await tx.Cmd("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)").ExecAsync(tx.Ct);
        // Every script not yet applied, in version order, even one numbered below an applied one (branches merged late).
        var applied = (await tx.Cmd("SELECT version FROM schema_version").AllAsync(r => r.GetInt32(0), tx.Ct)).ToHashSet();
        foreach (var (version, sql) in Migrations.All)
        {
            if (applied.Contains(version)) continue;
            await tx.Cmd(sql).ExecAsync(tx.Ct);
            await tx.Cmd("INSERT INTO schema_version (version) VALUES (@v)").With("@v", version).ExecAsync(tx.Ct);
        }
        // Version 2 added the cold-start keys; items stored before it get theirs here (SQL cannot compute them).
        if (!applied.Contains(2)) await BackfillColdKeysAsync(tx);
        // Version 5 added provenance; answers stored before it get a person's (C# writes the canonical JSON).
        if (!applied.Contains(5)) await BackfillProvenanceAsync(tx);
        // Version 10 added the hash chain; evidence stored before it is chained here (C# computes the hashes).
        if (!applied.Contains(10)) await BackfillChainAsync(tx);
    }, cancellationToken);

    // ---- users -------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Task<User> CreateUserAsync(string name, Role role, string tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenHash);
        return WriteAsync(async tx =>
        {
            try
            {
                var id = (long)(await tx.Cmd("INSERT INTO users (name, role, token_hash, created_at, disabled) VALUES (@n, @r, @h, @t, false) RETURNING id")
                    .With("@n", name).With("@r", (int)role).With("@h", tokenHash).With("@t", Ticks(now)).ScalarAsync(tx.Ct))!;
                return new User(id, name, role, Time(Ticks(now)), false);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw e.ConstraintName == "users_name_key"
                    ? new ConflictException($"A user named '{name}' already exists.")
                    : new ConflictException("That token is already in use.");
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<User?> FindUserByTokenHashAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        return await R($"SELECT {UserColumns} FROM users WHERE token_hash = @h AND NOT disabled").With("@h", tokenHash).OneAsync(MapUser, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<User?> GetUserAsync(long userId, CancellationToken cancellationToken = default) =>
        await R($"SELECT {UserColumns} FROM users WHERE id = @id").With("@id", userId).OneAsync(MapUser, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<User>> ListUsersAsync(CancellationToken cancellationToken = default) =>
        await R($"SELECT {UserColumns} FROM users ORDER BY id").AllAsync(MapUser, cancellationToken);

    /// <inheritdoc />
    public Task<bool> SetTokenHashAsync(long userId, string tokenHash, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenHash);
        return WriteAsync(async tx =>
        {
            try
            {
                return await tx.Cmd("UPDATE users SET token_hash = @h WHERE id = @id").With("@h", tokenHash).With("@id", userId).ExecAsync(tx.Ct) == 1;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new ConflictException("That token is already in use.");
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> SetDisabledAsync(long userId, bool disabled, CancellationToken cancellationToken = default) => WriteAsync(async tx =>
        await tx.Cmd("UPDATE users SET disabled = @d WHERE id = @id").With("@d", disabled).With("@id", userId).ExecAsync(tx.Ct) == 1, cancellationToken);
}

internal static class NpgsqlCommandExtensions
{
    /// <summary>Adds a typed, non-null parameter and returns the command, for chaining.</summary>
    public static NpgsqlCommand With<T>(this NpgsqlCommand command, string name, T value) where T : notnull
    {
        command.Parameters.Add(new NpgsqlParameter<T>(name, value));
        return command;
    }

    /// <summary>Adds a parameter that may be null, with its database type, and returns the command.</summary>
    public static NpgsqlCommand WithNullable(this NpgsqlCommand command, string name, object? value, NpgsqlDbType type)
    {
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
        return command;
    }

    public static async Task<int> ExecAsync(this NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command) return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<object?> ScalarAsync(this NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        {
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is DBNull ? null : value;
        }
    }

    public static async Task<List<T>> AllAsync<T>(this NpgsqlCommand command, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        await using (command)
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var list = new List<T>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) list.Add(map(reader));
            return list;
        }
    }

    public static async Task<T?> OneAsync<T>(this NpgsqlCommand command, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken) where T : class
    {
        await using (command)
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? map(reader) : null;
        }
    }
}
