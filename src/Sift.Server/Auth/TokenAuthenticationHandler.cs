using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sift.Projects;

namespace Sift.Server.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;token&gt;</c>: hashes the token and looks the user up in the store on every request,
/// so a disabled user or a rotated token stops working at once (nothing is cached). Challenges and refusals are
/// answered with ProblemDetails (401, 403).
/// </summary>
internal sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ISiftStore store, IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    private const string FailureKey = "sift.auth.failure";

    // A token is "sift_" plus 43 base64url characters; anything much longer is not worth hashing.
    private const int MaxTokenLength = 200;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header)) return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.Fail("The Authorization header is not a Bearer token.");
        var token = header["Bearer ".Length..].Trim();
        if (token.Length is 0 or > MaxTokenLength) return AuthenticateResult.Fail("The token is malformed.");

        var user = await store.FindUserByTokenHashAsync(UserTokens.Hash(token), Context.RequestAborted);
        if (user is null || user.Disabled)
        {
            // Said to the holder of this very token only, so the login page can tell them what happened.
            Context.Items[FailureKey] = user is null
                ? "This token is not (or no longer) valid on this server: an admin rotated it, or the server issued new tokens when it started (sift serve --demo does at every start)."
                : "This token's user is disabled. Ask an admin to enable it.";
            return AuthenticateResult.Fail("The token is unknown or its user is disabled.");
        }

        Claim[] claims =
        [
            new(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, user.Name),
            new(ClaimTypes.Role, SiftPolicies.RoleName(user.Role)),
        ];
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        var detail = Context.Items.TryGetValue(FailureKey, out var why) && why is string reason
            ? reason
            : "Send a valid token in the header 'Authorization: Bearer <token>'.";
        return WriteProblemAsync(StatusCodes.Status401Unauthorized, "Not signed in", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "Your role may not do this.");
    }

    private async Task WriteProblemAsync(int status, string title, string detail)
    {
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
