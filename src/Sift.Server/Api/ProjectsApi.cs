using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using System.Security.Claims;
using Sift.Data;
using Sift.Items;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Server.Hosting;
using Sift.Server.Training;

namespace Sift.Server.Api;

/// <summary>Projects: list, create, read, settings and instructions.</summary>
internal static class ProjectsApi
{
    /// <summary>The longest instructions accepted, in characters.</summary>
    public const int MaxInstructionsLength = 200_000;

    public static IEndpointRouteBuilder MapProjectsApi(this IEndpointRouteBuilder routes)
    {
        var projects = routes.MapGroup("/api/projects").WithTags("projects");
        routes.MapGet("/api/projects", ListProjects).RequireAuthorization(SiftPolicies.Any).WithTags("projects");
        routes.MapPost("/api/projects", CreateProject).RequireAuthorization(SiftPolicies.Admin).WithTags("projects");
        projects.MapGet("/{projectId:long}", GetProject).RequireAuthorization(SiftPolicies.Any);
        projects.MapPut("/{projectId:long}/settings", UpdateSettings).RequireAuthorization(SiftPolicies.Admin);
        projects.MapPut("/{projectId:long}/instructions", UpdateInstructions).RequireAuthorization(SiftPolicies.Admin);
        return routes;
    }

    /// <summary>Every project for admins and auditors; for annotators and reviewers only those they are members of.</summary>
    internal static async Task<Ok<ProjectSummary[]>> ListProjects(ClaimsPrincipal principal, ISiftStore store, CancellationToken ct)
    {
        var projects = await store.ListProjectsAsync(ct);
        if (!principal.SeesEveryProject())
        {
            var mine = (await store.GetMemberProjectIdsAsync(principal.UserId(), ct)).ToHashSet();
            projects = [.. projects.Where(p => mine.Contains(p.Id))];
        }

        return TypedResults.Ok(projects
            .Select(p => new ProjectSummary(p.Id, p.Name, p.Settings.Mode, p.Settings.Labels, p.InstructionsVersion, p.CreatedAt)).ToArray());
    }

    internal static async Task<Created<ProjectView>> CreateProject(CreateProjectRequest request, ClaimsPrincipal principal, ISiftStore store, TimeProvider time, CancellationToken ct)
    {
        var name = UsersApi.ValidateName(request.Name);
        if (request.Settings is null) throw new RequestValidationException("settings", "'settings' is required (at least 'labels').");
        var settings = request.Settings.ToSettings("settings.");
        var markdown = ValidateMarkdown(request.Instructions ?? "", "instructions");
        var project = await store.CreateProjectAsync(name, settings, markdown, principal.UserId(), time.GetUtcNow(), ct);
        return TypedResults.Created($"/api/projects/{project.Id}", await ViewAsync(store, project, ct));
    }

    internal static async Task<Ok<ProjectView>> GetProject(long projectId, System.Security.Claims.ClaimsPrincipal principal, ISiftStore store, CancellationToken ct)
    {
        var project = await RequireProjectAsync(store, projectId, ct);
        var view = await ViewAsync(store, project, ct);
        // Gold settings are for admins and auditors: an annotator (or reviewer) is not told that gold items exist.
        // Privacy settings likewise: the custom patterns and allow-list describe what is being hidden from annotators.
        return TypedResults.Ok(principal.SeesGold() ? view : view with { Settings = view.Settings with { Gold = null, Privacy = null } });
    }

    internal static async Task<Ok<ProjectView>> UpdateSettings(long projectId, SettingsInput request, ISiftStore store, ILiveLoop loop, Embedding.EmbeddingWorker embeddings,
        TimeProvider time, CancellationToken ct)
    {
        var project = await RequireProjectAsync(store, projectId, ct);
        // Content left out means unchanged; a different one is refused before anything else is checked against it.
        if (request.Content is { } content && content != project.Settings.Content)
        {
            throw new RequestValidationException("content",
                $"content: is fixed when a project is made (this project's is '{ItemContentJson.KindName(project.Settings.Content)}').");
        }

        // Privacy fields left out keep the project's current treatment (never a new project's default).
        var settings = (request with { Content = project.Settings.Content }).ToSettings("", project.Settings.Privacy);

        if (settings.Mode != project.Settings.Mode || project.Settings.Labels.Except(settings.Labels, StringComparer.Ordinal).Any())
        {
            // Answers already given must stay valid under the schema: labels may be added, not removed or renamed.
            var annotations = await store.GetAnnotationsAsync(projectId, cancellationToken: ct);
            if (annotations.Count > 0)
            {
                throw new RequestValidationException(settings.Mode != project.Settings.Mode ? "mode" : "labels",
                    "The project has annotations: its mode cannot change and its labels can only be added to.");
            }
        }

        var updated = await store.UpdateSettingsAsync(projectId, settings, time.GetUtcNow(), ct) ?? throw NotFound(projectId);
        // A failed trainer (invalid stored settings, say) shows its failure until it runs again: run it on the new settings.
        if ((await store.GetTrainerStatusAsync(projectId, ct)).State == TrainerState.Failed) loop.RequestRetrain(projectId);
        // New features: the worker embeds the items if they now need vectors (or forgets them); the trainer follows.
        if (settings.Features != project.Settings.Features) embeddings.Request(projectId);
        return TypedResults.Ok(await ViewAsync(store, updated, ct));
    }

    internal static async Task<Ok<InstructionsView>> UpdateInstructions(long projectId, InstructionsRequest request, ClaimsPrincipal principal, ISiftStore store, TimeProvider time, CancellationToken ct)
    {
        var markdown = ValidateMarkdown(request.Markdown, "markdown");
        var instructions = await store.AddInstructionsAsync(projectId, markdown, principal.UserId(), time.GetUtcNow(), ct) ?? throw NotFound(projectId);
        return TypedResults.Ok(new InstructionsView(instructions.Version, instructions.Markdown, instructions.CreatedAt));
    }

    /// <summary>The project, or a 404 naming it. Membership was checked before any handler ran (<see cref="ProjectAccess"/>).</summary>
    internal static async Task<Project> RequireProjectAsync(ISiftStore store, long projectId, CancellationToken ct) =>
        await store.GetProjectAsync(projectId, ct) ?? throw NotFound(projectId);

    internal static NotFoundException NotFound(long projectId) => new($"Project {projectId} does not exist.");

    private static async Task<ProjectView> ViewAsync(ISiftStore store, Project project, CancellationToken ct)
    {
        var instructions = await store.GetInstructionsAsync(project.Id, null, ct);
        var view = instructions is null
            ? new InstructionsView(project.InstructionsVersion, "", project.CreatedAt)
            : new InstructionsView(instructions.Version, instructions.Markdown, instructions.CreatedAt);
        return new ProjectView(project.Id, project.Name, SettingsView.From(project.Settings), view, project.CreatedAt);
    }

    private static string ValidateMarkdown(string markdown, string field)
    {
        if (markdown.Length > MaxInstructionsLength)
            throw new RequestValidationException(field, $"{field}: is longer than {MaxInstructionsLength:N0} characters.");
        var nul = TextRules.IndexOfForbiddenInText(markdown);
        if (nul >= 0) throw new RequestValidationException(field, $"{field}: {TextRules.Describe(markdown, nul)}; text may hold any character but NUL.");
        return markdown;
    }
}
