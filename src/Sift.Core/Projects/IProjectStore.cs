using Sift.Evidence;

namespace Sift.Projects;

/// <summary>
/// Projects, their settings and their versioned instructions. Part of <see cref="ISiftStore"/>; thread-safe, safe
/// across processes, every write one durable transaction. Creating a project and changing its settings each append
/// a <see cref="Sift.Evidence.SettingsEvent"/> to the project's evidence in the same transaction.
/// </summary>
public interface IProjectStore
{
    /// <summary>Creates a project with instructions version 1. Names are unique.</summary>
    /// <exception cref="ConflictException">The name is taken.</exception>
    Task<Project> CreateProjectAsync(string name, ProjectSettings settings, string instructionsMarkdown, long authorId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>A project, or null.</summary>
    Task<Project?> GetProjectAsync(long projectId, CancellationToken cancellationToken = default);

    /// <summary>All projects, by id.</summary>
    Task<IReadOnlyList<Project>> ListProjectsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the settings (already validated), in one transaction with what depends on them: a new overlap changes
    /// which items have a free slot, a new seed the cold-start order. Null when the project does not exist. Appends a
    /// <see cref="SettingsEvent"/> with the new settings (at <paramref name="now"/>) in the same transaction.
    /// </summary>
    Task<Project?> UpdateSettingsAsync(long projectId, ProjectSettings settings, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Adds the next instructions version and makes it current. Null when the project does not exist.</summary>
    Task<Instructions?> AddInstructionsAsync(long projectId, string markdown, long authorId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>One instructions version (null = current), or null when absent.</summary>
    Task<Instructions?> GetInstructionsAsync(long projectId, int? version = null, CancellationToken cancellationToken = default);
}
