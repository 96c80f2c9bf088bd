namespace Sift.Projects;

/// <summary>
/// Users and their token hashes (a token itself is never stored). Part of <see cref="ISiftStore"/>; the same
/// guarantees hold: thread-safe, safe across processes sharing one database, every write one durable transaction.
/// </summary>
public interface IUserStore
{
    /// <summary>Creates a user holding a token whose SHA-256 hash (hex) is given. Names are unique.</summary>
    /// <exception cref="ConflictException">The name is taken.</exception>
    Task<User> CreateUserAsync(string name, Role role, string tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The enabled user holding the token with this hash, or null.</summary>
    Task<User?> FindUserByTokenHashAsync(string tokenHash, CancellationToken cancellationToken = default);

    /// <summary>A user by id, or null.</summary>
    Task<User?> GetUserAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>All users, by id.</summary>
    Task<IReadOnlyList<User>> ListUsersAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces a user's token hash (token rotation). False when the user does not exist.</summary>
    Task<bool> SetTokenHashAsync(long userId, string tokenHash, CancellationToken cancellationToken = default);

    /// <summary>Enables or disables a user. False when the user does not exist.</summary>
    Task<bool> SetDisabledAsync(long userId, bool disabled, CancellationToken cancellationToken = default);
}
