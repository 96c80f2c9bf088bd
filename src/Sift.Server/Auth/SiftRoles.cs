using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Sift.Projects;

namespace Sift.Server.Auth;

/// <summary>The authorization policies of the API: which roles may call an endpoint (docs/server-design.md, REST API).</summary>
internal static class SiftPolicies
{
    /// <summary>Any signed-in user.</summary>
    public const string Any = "any";

    /// <summary>Admins only.</summary>
    public const string Admin = "admin";

    /// <summary>Those who label: admins and annotators.</summary>
    public const string Annotate = "annotate";

    /// <summary>Those who read dashboards and annotations: admins, reviewers and auditors.</summary>
    public const string Review = "review";

    /// <summary>Those who read the hand-out log and export: admins and auditors.</summary>
    public const string Audit = "audit";

    /// <summary>Admins and reviewers: record review decisions (auditors only read).</summary>
    public const string Decide = "decide";

    public static void Configure(AuthorizationOptions options)
    {
        options.AddPolicy(Any, p => p.RequireAuthenticatedUser());
        options.AddPolicy(Admin, p => p.RequireRole(RoleName(Role.Admin)));
        options.AddPolicy(Annotate, p => p.RequireRole(RoleName(Role.Admin), RoleName(Role.Annotator)));
        options.AddPolicy(Review, p => p.RequireRole(RoleName(Role.Admin), RoleName(Role.Reviewer), RoleName(Role.Auditor)));
        options.AddPolicy(Audit, p => p.RequireRole(RoleName(Role.Admin), RoleName(Role.Auditor)));
        options.AddPolicy(Decide, p => p.RequireRole(RoleName(Role.Admin), RoleName(Role.Reviewer)));

        // An endpoint that names no policy still needs a signed-in user; anonymous ones say so explicitly.
        options.FallbackPolicy = options.GetPolicy(Any);
    }

    /// <summary>The role's name in claims and JSON: <c>admin</c>, <c>annotator</c>, <c>reviewer</c>, <c>auditor</c>.</summary>
    public static string RoleName(Role role) => role.ToString().ToLowerInvariant();
}

/// <summary>Reads the signed-in user from the claims that <see cref="TokenAuthenticationHandler"/> sets.</summary>
internal static class PrincipalExtensions
{
    /// <summary>The store id of the signed-in user.</summary>
    public static long UserId(this ClaimsPrincipal principal) =>
        long.Parse(principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("No signed-in user."), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Whether the signed-in user is an admin.</summary>
    public static bool IsAdmin(this ClaimsPrincipal principal) => principal.IsInRole(SiftPolicies.RoleName(Role.Admin));

    /// <summary>Whether the signed-in user may see numbers derived from gold labels (admins and auditors).</summary>
    public static bool SeesGold(this ClaimsPrincipal principal) =>
        principal.IsAdmin() || principal.IsInRole(SiftPolicies.RoleName(Role.Auditor));
}
