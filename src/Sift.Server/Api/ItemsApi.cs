using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sift.Data;
using Sift.Evidence;
using Sift.Items;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Server.Hosting;
using Sift.Server.Import;
using Sift.Server.Training;

namespace Sift.Server.Api;

/// <summary>Import (admins) and export (admins, auditors) of a project's items.</summary>
internal static class ItemsApi
{
    public static IEndpointRouteBuilder MapItemsApi(this IEndpointRouteBuilder routes)
    {
        var project = routes.MapGroup("/api/projects/{projectId:long}").WithTags("items");
        // The body is the file, read by the handler whatever its Content-Type (the OpenAPI document describes it).
        project.MapPost("/items", Import).RequireAuthorization(SiftPolicies.Admin).WithMetadata(new ImportBodyMetadata());
        project.MapGet("/export", Export).RequireAuthorization(SiftPolicies.Audit)
            .Produces<string>(StatusCodes.Status200OK, "application/x-ndjson", "text/csv");
        return routes;
    }

    /// <summary>
    /// POST …/items?format=jsonl|csv&amp;text=&amp;label=&amp;id=&amp;group=&amp;cost=&amp;gold=: the body is the file. With
    /// <c>gold=true</c> every labeled row becomes a gold (honeypot) item with its label (marked right after the import
    /// commits; if the process dies in between, importing the same file again marks them — duplicates are skipped).
    /// </summary>
    internal static async Task<Ok<ImportResult>> Import(
        long projectId, string? format, string? text, string? label, string? id, string? group, string? cost, string? gold,
        HttpContext context, ISiftStore store, ILiveLoop loop, Embedding.EmbeddingWorker embeddings, SiftServerOptions options, TimeProvider time, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var formatOptions = FormatOptions(format, context.Request.ContentType, text, label, id, group, cost, options.MaxTextLength);
        // JSON Lines rows may be text items or preference pairs, told apart by their fields, so that a file of the other
        // kind is refused for what it is rather than for a missing field; the sides of a pair follow the project's seed.
        if (formatOptions.Format == DataFormat.Jsonl)
        {
            formatOptions.Content = null;
            formatOptions.PairSideSeed = project.Settings.Seed;
        }

        var size = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (size is { IsReadOnly: false }) size.MaxRequestBodySize = options.MaxImportBytes;

        // The readers are synchronous; spool the body to a temporary file first, so no request thread blocks on the network.
        // The file has no name while it is used, so a kill cannot leave it behind.
        await using var buffer = ImportSpool.Create(Path.GetTempPath());
        await context.Request.Body.CopyToAsync(buffer, ct);
        buffer.Position = 0;
        var sha256 = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(buffer, ct));
        buffer.Position = 0;

        var asGold = Flag(gold, "gold") ?? false;
        var items = await Task.Run(() => ItemImport.Read(buffer, formatOptions, project.Settings, asGold), ct);
        // One transaction; once it commits the items can be handed out (the store's cold-start order needs no second write).
        var result = await store.ImportItemsAsync(projectId, items, new ImportOrigin("upload", time.GetUtcNow()) { Sha256 = sha256 }, ct);
        if (asGold) await GoldApi.MarkImportedAsync(store, project, items, time.GetUtcNow(), ct);
        if (result.Imported > 0)
        {
            await loop.OnItemsImportedAsync(projectId, ct);
            // The new items are embedded in the background; labeling starts at once (on TF-IDF until they all have vectors).
            embeddings.Request(projectId);
        }
        return TypedResults.Ok(result);
    }

    /// <summary>
    /// GET …/export?format=jsonl|csv: every item with its annotations and resolved label (gold labels for admins only).
    /// CSV cells that a spreadsheet would evaluate as a formula get a leading quote (<see cref="CsvCells"/>). Pair
    /// projects also export TRL's formats: <c>format=trl-preference</c> (<c>margin=true</c> adds the vote margin) and
    /// <c>format=trl-kto</c>, conversational when any prompt was (<c>conversational=auto|true|false</c>); see
    /// <see cref="PreferencesApi.WriteAsync"/>.
    /// </summary>
    internal static async Task<PushStreamHttpResult> Export(
        long projectId, string? format, string? margin, string? conversational, HttpContext context, ClaimsPrincipal principal, ISiftStore store, Storage.IPrivacyStore privacy,
        Microsoft.Extensions.Logging.ILoggerFactory loggers, TimeProvider time, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        var name = format?.ToLowerInvariant();
        var logger = loggers.CreateLogger("Sift.Server.Privacy");
        if (name is not null && PreferencesApi.TrlFormats.Contains(name)) return await TrlExportAsync(project, name, margin, conversational, context, principal, store, privacy, logger, time, ct);
        if (margin is not null || conversational is not null)
            throw new RequestValidationException(margin is not null ? "margin" : "conversational", "margin and conversational apply to the TRL formats (format=trl-preference or trl-kto) of pair projects.");
        var csv = name switch
        {
            null or "" or "jsonl" => false,
            "csv" => true,
            _ => throw new RequestValidationException("format", $"format: must be 'jsonl', 'csv', 'trl-preference' or 'trl-kto', not '{format}'."),
        };

        // The answers, names and gold labels are read before the response starts, so a failure there is still a
        // ProblemDetails answer; the items (the bulk: their texts) are then streamed page by page.
        var annotations = await store.GetAnnotationsAsync(projectId, null, includeUndone: false, ct);
        var names = (await store.ListUsersAsync(ct)).ToDictionary(u => u.Id, u => u.Name);
        var gold = principal.IsAdmin() ? await store.GetGoldLabelsAsync(projectId, ct) : null;
        var live = annotations.Where(a => !a.Undone).ToList();
        var workflow = await Workflow.WorkflowState.LoadAsync(store, project, live, ct);
        // Admins' exports carry the originals of redacted items (the admin-only store); nobody else's do.
        var withOriginals = principal.IsAdmin() && await privacy.CountOriginalsAsync(projectId, ct) > 0;
        var export = new ExportData(project, ItemPagesAsync(store, withOriginals ? privacy : null, projectId, ct), annotations.ToLookup(a => a.ItemId), names, gold,
            workflow.Resolve(project.Settings, live), workflow, withOriginals);

        // Recorded as the export starts (an export cut off half-way has still let data out): the format, the project's
        // item count at this moment, and who asked.
        var now = time.GetUtcNow();
        var counts = await store.GetCountsAsync(projectId, project.Settings.Overlap, now, ct);
        await PrivacyApi.RecordExportAsync(store, privacy, projectId, new ExportEvent(csv ? "csv" : "jsonl", counts.Items, principal.Identity?.Name ?? ""), now, context, ct);

        var fileName = FileName(project.Name) + (csv ? ".csv" : ".jsonl");
        // Under purge-after-export the originals go once the whole file has been written (a cut-off export purges nothing).
        return csv
            ? TypedResults.Stream(async stream =>
            {
                await WriteCsvAsync(stream, export, ct);
                await PrivacyApi.PurgeAfterExportAsync(privacy, project, principal, time, logger, ct);
            }, "text/csv; charset=utf-8", fileName)
            : TypedResults.Stream(async stream =>
            {
                await WriteJsonlAsync(stream, export, ct);
                await PrivacyApi.PurgeAfterExportAsync(privacy, project, principal, time, logger, ct);
            }, "application/x-ndjson; charset=utf-8", fileName);
    }

    /// <summary>A pair project's export in one of TRL's formats (<see cref="PreferencesApi.WriteAsync"/>); never holds gold labels.</summary>
    private static async Task<PushStreamHttpResult> TrlExportAsync(
        Project project, string format, string? margin, string? conversational, HttpContext context, ClaimsPrincipal principal, ISiftStore store, Storage.IPrivacyStore privacy,
        Microsoft.Extensions.Logging.ILogger logger, TimeProvider time, CancellationToken ct)
    {
        PreferencesApi.RequirePairs(project);
        var withMargin = Flag(margin, "margin") ?? false;
        if (withMargin && format != "trl-preference") throw new RequestValidationException("margin", "margin: applies to format=trl-preference (reward modelling), not to the KTO format.");
        var conversationalFlag = conversational?.Trim().ToLowerInvariant() switch
        {
            null or "" or "auto" => (bool?)null,
            "true" => true,
            "false" => false,
            _ => throw new RequestValidationException("conversational", $"conversational: must be auto, true or false, not '{conversational}'."),
        };
        var asConversation = conversationalFlag ?? await PreferencesApi.AnyConversationAsync(Items(ItemPagesAsync(store, null, project.Id, ct)), ct);
        var annotations = await store.GetAnnotationsAsync(project.Id, null, includeUndone: false, ct);
        var names = (await store.ListUsersAsync(ct)).ToDictionary(u => u.Id, u => u.Name);
        var export = new PreferencesApi.TrlExport(format, withMargin, asConversation, annotations.ToLookup(a => a.ItemId), names);

        var now = time.GetUtcNow();
        var counts = await store.GetCountsAsync(project.Id, project.Settings.Overlap, now, ct);
        await PrivacyApi.RecordExportAsync(store, privacy, project.Id, new ExportEvent(format, counts.Items, principal.Identity?.Name ?? ""), now, context, ct);
        context.Response.Headers.Append("X-Sift-Tie-Policy", "ties dropped; both_bad dropped from pairs, two undesirable completions in KTO");
        if (PreferencesApi.LabelSmoothing(annotations, names) is { } smoothing)
            context.Response.Headers.Append("X-Sift-Label-Smoothing", smoothing.ToString("0.00", CultureInfo.InvariantCulture));
        // TRL files never carry originals; a complete one still counts as an export for purge-after-export.
        return TypedResults.Stream(async stream =>
        {
            await PreferencesApi.WriteAsync(stream, Items(ItemPagesAsync(store, null, project.Id, ct)), export, ct);
            await PrivacyApi.PurgeAfterExportAsync(privacy, project, principal, time, logger, ct);
        }, "application/x-ndjson; charset=utf-8", FileName(project.Name) + "." + format + ".jsonl");
    }

    private static bool? Flag(string? value, string field) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw new RequestValidationException(field, $"{field}: must be true or false, not '{value}'."),
    };

    /// <summary>
    /// Every item of the project in id order, read a page at a time (never all texts in memory at once), with its
    /// original when <paramref name="originals"/> is given and keeps one (admins' exports).
    /// </summary>
    private static async IAsyncEnumerable<(Item Item, string? Original)> ItemPagesAsync(ISiftStore store, Storage.IPrivacyStore? originals, long projectId,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        for (long after = 0; ;)
        {
            var page = await store.GetItemsPageAsync(projectId, after, Paging.DefaultLimit, ct);
            var kept = originals is null || page.Count == 0 ? null : await originals.GetOriginalsAsync(projectId, [.. page.Select(i => i.Id)], ct);
            foreach (var item in page) yield return (item, kept?.GetValueOrDefault(item.Id)?.Text);
            if (page.Count < Paging.DefaultLimit) yield break;
            after = page[^1].Id;
        }
    }

    private static async IAsyncEnumerable<Item> Items(IAsyncEnumerable<(Item Item, string? Original)> pages)
    {
        await foreach (var (item, _) in pages) yield return item;
    }

    private static DataFormatOptions FormatOptions(string? format, string? contentType, string? text, string? label, string? id, string? group, string? cost, int maxTextLength)
    {
        var kind = format?.ToLowerInvariant() switch
        {
            "jsonl" => DataFormat.Jsonl,
            "csv" => DataFormat.Csv,
            null or "" => contentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) == true ? DataFormat.Csv : DataFormat.Jsonl,
            _ => throw new RequestValidationException("format", $"format: must be 'jsonl' or 'csv', not '{format}'."),
        };
        var options = new DataFormatOptions { Format = kind, MaxTextLength = maxTextLength };
        if (!string.IsNullOrWhiteSpace(text)) options.TextField = text;
        if (!string.IsNullOrWhiteSpace(label)) options.LabelField = label;
        if (!string.IsNullOrWhiteSpace(id)) options.IdField = id;
        if (!string.IsNullOrWhiteSpace(group)) options.GroupField = group;
        if (!string.IsNullOrWhiteSpace(cost)) options.CostField = cost;
        try
        {
            options.Validate();
        }
        catch (ConfigurationException e)
        {
            throw new RequestValidationException("text", "The field names in the query are invalid: " + e.Message);
        }

        return options;
    }

    /// <summary>Marks the import endpoint, whose raw body the OpenAPI document describes as JSONL or CSV.</summary>
    internal sealed class ImportBodyMetadata;

    private sealed record ExportData(
        Project Project, IAsyncEnumerable<(Item Item, string? Original)> Items, ILookup<long, Annotation> Annotations, Dictionary<long, string> Names,
        IReadOnlyDictionary<long, string>? Gold, IReadOnlyDictionary<long, ResolvedLabel> Resolved, Workflow.WorkflowState Workflow, bool WithOriginals);

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static async Task WriteJsonlAsync(Stream stream, ExportData data, CancellationToken ct)
    {
        using var line = new MemoryStream();
        await foreach (var (item, original) in data.Items)
        {
            line.SetLength(0);
            using (var writer = new Utf8JsonWriter(line, WriterOptions)) WriteItem(writer, item, original, data);
            line.WriteByte((byte)'\n');
            await stream.WriteAsync(line.GetBuffer().AsMemory(0, (int)line.Length), ct);
        }
    }

    private static void WriteItem(Utf8JsonWriter writer, Item item, string? original, ExportData data)
    {
        writer.WriteStartObject();
        writer.WriteString("id", item.ExternalId);
        writer.WriteNumber("item_id", item.Id);
        writer.WriteString("text", item.Text);
        // A redacted item's original (admins' exports only; for a pair, its content's JSON).
        if (original is not null) writer.WriteString("original_text", original);
        if (item.Content is PairContent pair)
        {
            // The comparison itself, in stored sides (answers name these sides).
            writer.WriteStartObject("pair");
            writer.WriteString("prompt", pair.Prompt);
            if (pair.Conversation is { } turns)
            {
                writer.WriteStartArray("conversation");
                foreach (var t in turns)
                {
                    writer.WriteStartObject();
                    writer.WriteString("role", t.Role);
                    writer.WriteString("content", t.Content);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
            writer.WriteString("response_a", pair.ResponseA);
            writer.WriteString("response_b", pair.ResponseB);
            writer.WriteEndObject();
        }
        if (item.Group is null) writer.WriteNull("group");
        else writer.WriteString("group", item.Group);
        writer.WriteNumber("cost", item.Cost);
        writer.WriteBoolean("held_out", item.HeldOut);
        if (data.Gold is not null)
        {
            if (data.Gold.TryGetValue(item.Id, out var gold)) writer.WriteString("gold_label", gold);
            else writer.WriteNull("gold_label");
        }

        if (data.Resolved.TryGetValue(item.Id, out var resolved))
        {
            writer.WriteString("resolved_label", resolved.Text);
            writer.WriteNumber("resolved_confidence", Math.Round(resolved.Confidence, 6));
            writer.WriteString("resolved_by", resolved.Source);
        }
        else
        {
            writer.WriteNull("resolved_label");
            writer.WriteNull("resolved_confidence");
            writer.WriteNull("resolved_by");
        }
        // A reviewer's decision that changed the label: marked, with who decided and why.
        if (data.Workflow.LatestReview.TryGetValue(item.Id, out var review))
        {
            writer.WriteStartObject("review");
            writer.WriteBoolean("override", review.Override);
            writer.WriteString("reviewer", data.Names.GetValueOrDefault(review.ReviewerId, ""));
            writer.WriteString("rationale", review.Rationale);
            writer.WriteString("at", review.At);
            writer.WriteEndObject();
        }
        writer.WritePropertyName("annotations");
        WriteAnnotations(writer, data.Annotations[item.Id], data.Names);
        if (item.MetaJson is not null)
        {
            writer.WritePropertyName("meta");
            writer.WriteRawValue(item.MetaJson, skipInputValidation: false);
        }

        writer.WriteEndObject();
    }

    private static void WriteAnnotations(Utf8JsonWriter writer, IEnumerable<Annotation> annotations, Dictionary<long, string> names)
    {
        writer.WriteStartArray();
        foreach (var a in annotations)
        {
            writer.WriteStartObject();
            writer.WriteString("annotator", names.GetValueOrDefault(a.AnnotatorId, ""));
            writer.WriteStartArray("labels");
            foreach (var l in a.Labels) writer.WriteStringValue(l);
            writer.WriteEndArray();
            writer.WriteNumber("instructions_version", a.InstructionsVersion);
            writer.WriteString("created_at", a.CreatedAt);
            if (a.Provenance is { } provenance)
            {
                writer.WritePropertyName("provenance");
                JsonSerializer.Serialize(writer, provenance, SiftJson.Compact);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static async Task WriteCsvAsync(Stream stream, ExportData data, CancellationToken ct)
    {
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        string[] header = data.Gold is null
            ? ["id", "item_id", "text", "group", "cost", "held_out", "resolved_label", "annotation_count", "annotations", "meta", "resolved_confidence", "resolved_by", "review_override"]
            : ["id", "item_id", "text", "group", "cost", "held_out", "gold_label", "resolved_label", "annotation_count", "annotations", "meta", "resolved_confidence", "resolved_by", "review_override"];
        // Admins' exports of a project that keeps originals: one more column, last, empty for items not redacted.
        if (data.WithOriginals) header = [.. header, "original_text"];
        await writer.WriteAsync(string.Join(',', header) + "\n");
        using var json = new MemoryStream();
        var row = new List<string>(header.Length);
        await foreach (var (item, original) in data.Items)
        {
            ct.ThrowIfCancellationRequested();
            var annotations = data.Annotations[item.Id].ToList();
            json.SetLength(0);
            using (var jsonWriter = new Utf8JsonWriter(json, WriterOptions)) WriteAnnotations(jsonWriter, annotations, data.Names);

            row.Clear();
            row.Add(item.ExternalId);
            row.Add(item.Id.ToString(CultureInfo.InvariantCulture));
            row.Add(item.Text);
            row.Add(item.Group ?? "");
            row.Add(item.Cost.ToString("R", CultureInfo.InvariantCulture));
            row.Add(item.HeldOut ? "true" : "false");
            if (data.Gold is not null) row.Add(data.Gold.GetValueOrDefault(item.Id, ""));
            row.Add(data.Resolved.TryGetValue(item.Id, out var resolved) ? resolved.Text : "");
            row.Add(annotations.Count.ToString(CultureInfo.InvariantCulture));
            row.Add(Encoding.UTF8.GetString(json.GetBuffer(), 0, (int)json.Length));
            row.Add(item.MetaJson ?? "");
            row.Add(resolved is null ? "" : Math.Round(resolved.Confidence, 6).ToString("R", CultureInfo.InvariantCulture));
            row.Add(resolved?.Source ?? "");
            row.Add(data.Workflow.LatestReview.TryGetValue(item.Id, out var review) ? (review.Override ? "true" : "false") : "");
            if (data.WithOriginals) row.Add(original ?? "");
            await writer.WriteAsync(string.Join(',', row.Select(CsvCells.Field)) + "\n");
        }
    }

    private static string FileName(string projectName)
    {
        var safe = new string(projectName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray()).Trim('.', '-');
        return safe.Length == 0 ? "export" : safe;
    }
}
