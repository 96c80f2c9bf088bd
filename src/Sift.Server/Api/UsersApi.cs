using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sift.Data;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Server.Hosting;

namespace Sift.Server.Api;

/// <summary>The caller (<c>/api/me</c>) and user administration (<c>/api/users</c>, admins only).</summary>
internal static class UsersApi
{
    /// <summary>The longest user name accepted.</summary>
    public const int MaxNameLength = 100;

    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/me", GetMe).RequireAuthorization(SiftPolicies.Any).WithTags("users");

        routes.MapGet("/api/users", ListUsers).RequireAuthorization(SiftPolicies.Admin).WithTags("users");
        routes.MapPost("/api/users", CreateUser).RequireAuthorization(SiftPolicies.Admin).WithTags("users");
        routes.MapPost("/api/users/{userId:long}/token", RotateToken).RequireAuthorization(SiftPolicies.Admin).WithTags("users");
        routes.MapPut("/api/users/{userId:long}/disabled", SetDisabled).RequireAuthorization(SiftPolicies.Admin).WithTags("users");
        return routes;
    }

    internal static async Task<Ok<UserView>> GetMe(ClaimsPrincipal principal, ISiftStore store, CancellationToken ct)
    {
        var user = await store.GetUserAsync(principal.UserId(), ct) ?? throw new NotFoundException("Your user no longer exists.");
        return TypedResults.Ok(UserView.From(user));
    }

    internal static async Task<Ok<UserView[]>> ListUsers(ISiftStore store, CancellationToken ct) =>
        TypedResults.Ok((await store.ListUsersAsync(ct)).Select(UserView.From).ToArray());

    internal static async Task<Created<CreatedUser>> CreateUser(CreateUserRequest request, ClaimsPrincipal principal, ISiftStore store, TimeProvider time, CancellationToken ct)
    {
        var name = ValidateName(request.Name);
        if (!Enum.IsDefined(request.Role) || request.Role == Role.Model)
            throw new RequestValidationException("role", "role: must be admin, annotator, reviewer or auditor (model users are made by adding a model annotator to a project).");
        var token = UserTokens.NewToken();
        var user = await store.CreateUserAsync(name, request.Role, UserTokens.Hash(token), time.GetUtcNow(), ct);
        await AccessEvidence.UserAsync(store, user, "user-created", principal.Identity?.Name ?? "", time.GetUtcNow(), ct);
        return TypedResults.Created($"/api/users/{user.Id}", new CreatedUser(UserView.From(user), token));
    }

    internal static async Task<Ok<TokenView>> RotateToken(long userId, ClaimsPrincipal principal, ISiftStore store, TimeProvider time, CancellationToken ct)
    {
        await RefuseModelUserAsync(store, userId, ct);
        var token = UserTokens.NewToken();
        if (!await store.SetTokenHashAsync(userId, UserTokens.Hash(token), ct)) throw new NotFoundException($"User {userId} does not exist.");
        if (await store.GetUserAsync(userId, ct) is { } user)
            await AccessEvidence.UserAsync(store, user, "token-rotated", principal.Identity?.Name ?? "", time.GetUtcNow(), ct);
        return TypedResults.Ok(new TokenView(token));
    }

    internal static async Task<Ok<UserView>> SetDisabled(long userId, DisabledRequest request, ClaimsPrincipal principal, ISiftStore store, TimeProvider time, CancellationToken ct)
    {
        var disabled = request.Disabled ?? throw new RequestValidationException("disabled", "'disabled' is required: true or false.");
        if (disabled && userId == principal.UserId()) throw new ConflictException("You cannot disable yourself.");
        await RefuseModelUserAsync(store, userId, ct);
        if (!await store.SetDisabledAsync(userId, disabled, ct)) throw new NotFoundException($"User {userId} does not exist.");
        var user = await store.GetUserAsync(userId, ct) ?? throw new NotFoundException($"User {userId} does not exist.");
        await AccessEvidence.UserAsync(store, user, disabled ? "user-disabled" : "user-enabled", principal.Identity?.Name ?? "", time.GetUtcNow(), ct);
        return TypedResults.Ok(UserView.From(user));
    }

    /// <summary>
    /// A model annotator's user never signs in: it gets no token and stays disabled; the model annotator itself is
    /// enabled or disabled under its project (400 naming <c>userId</c>).
    /// </summary>
    private static async Task RefuseModelUserAsync(ISiftStore store, long userId, CancellationToken ct)
    {
        if (await store.GetUserAsync(userId, ct) is { Role: Role.Model } user)
        {
            throw new RequestValidationException("userId",
                $"userId: '{user.Name}' is a model annotator's user, which never signs in; enable or disable the model annotator in its project instead.");
        }
    }

    /// <summary>A trimmed name of 1 to <see cref="MaxNameLength"/> characters without control characters.</summary>
    internal static string ValidateName(string name, string field = "name")
    {
        var trimmed = name.Trim();
        if (trimmed.Length == 0) throw new RequestValidationException(field, $"{field}: may not be empty.");
        if (trimmed.Length > MaxNameLength) throw new RequestValidationException(field, $"{field}: is longer than {MaxNameLength} characters.");
        var control = TextRules.IndexOfForbiddenInName(trimmed);
        if (control >= 0) throw new RequestValidationException(field, $"{field}: {TextRules.Describe(trimmed, control)}; names may not hold control characters.");
        return trimmed;
    }
}
