using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Sift.Cli.Data;
using Sift.Data;
using Sift.Embeddings;
using Sift.Features;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Sift.Cli.Commands;

/// <summary>
/// <c>sift embed</c>: computes the sentence-encoder vectors of a data set's texts into the embedding cache, so that
/// later runs find them there. Stopping it loses at most the chunk in progress; running it again resumes.
/// </summary>
internal static class EmbedCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var train = new Option<string>("--train") { Description = "Data file (JSONL or CSV) whose texts to embed.", Required = true };
        var test = new Option<string?>("--test") { Description = "A second data file, e.g. the evaluation set." };
        var features = new Option<string>("--features")
        {
            Description = "Feature spec; its encoder parts are embedded ('minilm'; 'tfidf' needs no cache and is skipped).",
            DefaultValueFactory = _ => "minilm",
        };
        var textFields = new Option<string[]>("--text-field")
        {
            Description = "Field/column holding the text (repeatable, e.g. --text-field prompt --text-field chosen --text-field rejected).",
            DefaultValueFactory = _ => ["text"],
        };
        var cache = new Option<string?>("--cache") { Description = $"Cache folder. Default: {FileEmbeddingCache.DefaultDirectory} ($SIFT_CACHE/embeddings when set)." };
        var batch = new Option<int>("--batch-size") { Description = "Texts per model call.", DefaultValueFactory = _ => new MiniLmOptions().BatchSize };
        var workers = new Option<int>("--workers") { Description = "Model calls running at once.", DefaultValueFactory = _ => new MiniLmOptions().Workers };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress display." };

        var command = new Command("embed", "Fill the embedding cache with the sentence-encoder vectors of a data file's texts (resumable; each text is embedded once).")
        {
            train, test, features, textFields, cache, batch, workers, quiet,
        };
        command.SetAction((parse, ct) =>
        {
            var files = new List<string> { parse.GetValue(train)! };
            if (parse.GetValue(test) is { } testPath) files.Add(testPath);
            var options = new MiniLmOptions { BatchSize = parse.GetValue(batch), Workers = parse.GetValue(workers) };
            options.Validate();
            var cacheDirectory = parse.GetValue(cache) ?? FileEmbeddingCache.DefaultDirectory;
            return Task.FromResult(Run(files, parse.GetValue(textFields)!, parse.GetValue(features)!, cacheDirectory, options, !parse.GetValue(quiet), ct));
        });
        return command;
    }

    /// <summary>The encoder names a feature spec asks for; 'tfidf' parts are dropped.</summary>
    /// <exception cref="ConfigurationException">A part is unknown or no part needs an encoder.</exception>
    internal static IReadOnlyList<string> EncodersOf(string spec)
    {
        var parts = spec.Split('+', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var encoders = new List<string>();
        foreach (var part in parts)
        {
            switch (part.ToLowerInvariant())
            {
                case "tfidf":
                    break;
                case "minilm":
                    encoders.Add("minilm");
                    break;
                default:
                    throw new ConfigurationException($"--features: unknown part '{part}'; 'sift embed' knows 'minilm' (and skips 'tfidf').");
            }
        }
        if (encoders.Count == 0) throw new ConfigurationException($"--features '{spec}' names no encoder to embed with; use 'minilm'.");
        return encoders;
    }

    /// <summary>Loads the texts of every file and field, then embeds the ones the cache lacks.</summary>
    public static int Run(IReadOnlyList<string> files, IReadOnlyList<string> textFields, string features, string cacheDirectory,
        MiniLmOptions options, bool showProgress, CancellationToken cancellationToken)
    {
        EncodersOf(features);
        if (textFields.Count == 0) throw new ConfigurationException("Give at least one --text-field.");
        var console = AnsiConsole.Console;
        var groups = new List<(string Name, string[] Texts)>();
        foreach (var file in files)
        {
            foreach (var field in textFields.Distinct(StringComparer.Ordinal))
            {
                var data = DatasetFiles.Load(file, new DataFormatOptions { TextField = field });
                groups.Add(($"{Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file)))}/{Path.GetFileName(file)}:{field}", data.Items.Select(i => i.Text).ToArray()));
            }
        }

        using var encoder = new MiniLmEncoder(options);
        var cache = FileEmbeddingCache.Open(cacheDirectory, encoder.ModelId, encoder.Dimension);
        var caching = new CachingTextEncoder(encoder, cache);
        console.MarkupLine($"[bold]sift embed[/]: {groups.Sum(g => g.Texts.Length):N0} texts; model {Markup.Escape(encoder.ModelId)} (max {encoder.MaxTokens} word pieces a text); " +
            $"cache {Markup.Escape(cache.FilePath)} ({cache.Count:N0} vectors)");
        foreach (var repair in cache.Repairs) console.MarkupLine($"[yellow]cache repaired:[/] {Markup.Escape(repair)}");

        var results = new List<(string Name, int Texts, int Embedded, double Seconds)>();
        if (showProgress && console.Profile.Capabilities.Interactive)
        {
            console.Progress().AutoClear(false).HideCompleted(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RateColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var tasks = groups.Select(g => ctx.AddTask(Markup.Escape(g.Name), autoStart: false, maxValue: Math.Max(1, g.Texts.Length))).ToList();
                    for (var i = 0; i < groups.Count; i++)
                    {
                        var task = tasks[i];
                        task.StartTask();
                        var progress = new SpectreProgress(task, groups[i].Name);
                        results.Add(EncodeGroup(caching, groups[i].Name, groups[i].Texts, progress, cancellationToken));
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                });
        }
        else
        {
            foreach (var (name, texts) in groups)
            {
                var progress = showProgress ? new LineProgress(name, Console.Error) : null;
                results.Add(EncodeGroup(caching, name, texts, progress, cancellationToken));
            }
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("texts", "count", "embedded now", "seconds", "texts/s");
        foreach (var (name, texts, embedded, seconds) in results)
        {
            table.AddRow(Markup.Escape(name), texts.ToString("N0", CultureInfo.InvariantCulture), embedded.ToString("N0", CultureInfo.InvariantCulture),
                seconds.ToString("0.0", CultureInfo.InvariantCulture), embedded == 0 ? "—" : (embedded / seconds).ToString("0.0", CultureInfo.InvariantCulture));
        }
        console.Write(table);
        console.MarkupLine($"cache {Markup.Escape(cache.FilePath)}: {cache.Count:N0} vectors");
        return 0;
    }

    private static (string, int, int, double) EncodeGroup(CachingTextEncoder encoder, string name, string[] texts, IProgress<EncodeProgress>? progress, CancellationToken ct)
    {
        var cached = 0;
        var tracking = new SyncProgress(p =>
        {
            cached = p.Cached;
            progress?.Report(p);
        });
        var clock = Stopwatch.StartNew();
        encoder.Encode(texts, tracking, ct);
        return (name, texts.Length, texts.Length - cached, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Drives a Spectre task: its maximum is the texts left to embed, so speed and ETA count model work only.</summary>
    private sealed class SpectreProgress(ProgressTask task, string name) : IProgress<EncodeProgress>
    {
        private readonly object _gate = new();
        private bool _sized;

        public void Report(EncodeProgress value)
        {
            lock (_gate)
            {
                if (!_sized)
                {
                    task.MaxValue = Math.Max(1, value.Total - value.Cached);
                    task.Description = value.Cached > 0 ? $"{Markup.Escape(name)} ({value.Cached:N0} cached)" : Markup.Escape(name);
                    _sized = true;
                }
                task.Value = value.Done - value.Cached;
            }
        }
    }

    /// <summary>One line to <paramref name="writer"/> at most every 15 seconds, and at the end: for logs of background runs.</summary>
    private sealed class LineProgress(string name, TextWriter writer) : IProgress<EncodeProgress>
    {
        private readonly object _gate = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan? _last;
        private int? _startCached;

        public void Report(EncodeProgress value)
        {
            lock (_gate)
            {
                _startCached ??= value.Cached;
                var now = _clock.Elapsed;
                if (value.Done < value.Total && _last is { } last && now - last < TimeSpan.FromSeconds(15)) return;
                _last = now;
                var embedded = value.Done - _startCached.Value;
                var rate = embedded / Math.Max(now.TotalSeconds, 1e-3);
                var left = value.Total - value.Done;
                var eta = rate > 0 ? TimeSpan.FromSeconds(left / rate) : TimeSpan.Zero;
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{TimeProvider.System.GetLocalNow():HH:mm:ss} {name}: {value.Done:N0}/{value.Total:N0} texts ({_startCached:N0} cached), {rate:0.0} texts/s, ETA {eta:hh\\:mm\\:ss}"));
                writer.Flush();
            }
        }
    }

    /// <summary>Texts embedded per second, from the task's own speed estimate.</summary>
    private sealed class RateColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.Speed is { } speed ? $"{speed:0.0} texts/s" : "— texts/s");
    }

    private sealed class SyncProgress(Action<EncodeProgress> action) : IProgress<EncodeProgress>
    {
        public void Report(EncodeProgress value) => action(value);
    }
}
