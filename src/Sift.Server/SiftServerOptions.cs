using Microsoft.Extensions.Logging;
using Sift.Features;
using Sift.Server.Embedding;
using Sift.Server.Training;

namespace Sift.Server;

/// <summary>
/// How <see cref="SiftServerApp.Build"/> sets up a server. Every property has a stated default; the options are
/// checked once by <see cref="Validate"/> when the app is built.
/// </summary>
public sealed class SiftServerOptions
{
    /// <summary>The loopback port to listen on (the server binds 127.0.0.1 only). 0 picks a free port; read it back with <see cref="SiftServerApp.GetUrl"/>. Default 5170.</summary>
    public int Port { get; set; } = 5170;

    /// <summary>The folder the UI is served from. Default null: <c>wwwroot</c> next to the server assembly.</summary>
    public string? WebRootPath { get; set; }

    /// <summary>The clock of every time the server records (leases, annotations). Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The least severe log level written. Default <see cref="LogLevel.Warning"/>.</summary>
    public LogLevel MinimumLogLevel { get; set; } = LogLevel.Warning;

    /// <summary>Changes to the live loop's defaults (poll interval, trainer lease, …). Default null: the defaults.</summary>
    public Func<LiveLoopOptions, LiveLoopOptions>? ConfigureLiveLoop { get; set; }

    /// <summary>Changes to the model annotators' worker defaults (poll interval, batch, back-off, …). Default null: the defaults.</summary>
    public Func<Models.ModelWorkerOptions, Models.ModelWorkerOptions>? ConfigureModelWorker { get; set; }

    /// <summary>The largest import body accepted, in bytes. Default 256 MiB.</summary>
    public long MaxImportBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>The longest item text accepted by an import, in characters. Default 100,000.</summary>
    public int MaxTextLength { get; set; } = 100_000;

    /// <summary>
    /// How reports computed from a project's data (the agreement report, the dashboard's answer counts) are cached
    /// and paced. Default: see <see cref="Hosting.ReportCacheOptions"/>.
    /// </summary>
    public Hosting.ReportCacheOptions ReportCache { get; set; } = new();

    /// <summary>
    /// How many of the polled reads (agreement, dashboard, annotation and hand-out logs) run at once; more wait in a
    /// queue, so reviewers cannot take the cores annotators' submits need. Default 0: half the processors, at least 1.
    /// </summary>
    public int ReadConcurrency { get; set; }

    /// <summary>How many polled reads may wait for a turn before one is answered 429. Default 500.</summary>
    public int ReadQueueLimit { get; set; } = 500;

    /// <summary>
    /// Makes the sentence encoder behind the <c>minilm</c> part of projects' <c>features</c> setting (<c>sift serve</c>
    /// gives the in-process MiniLM). Called once, when the first project needs vectors, on a background thread (at low
    /// priority unless <see cref="EmbeddingOptions.LowPriority"/> is off), so neither starting the server nor labeling
    /// waits for the model to load; disposed with the server when it is <see cref="IDisposable"/>. Its vectors are kept
    /// in the store's embedding table under its <see cref="ITextEncoder.ModelId"/>. Default null: no encoder — every
    /// project trains on TF-IDF, and the dashboard says why.
    /// </summary>
    public Func<ITextEncoder>? TextEncoder { get; set; }

    /// <summary>Where and how often the evidence chains are anchored (<see cref="Governance.CheckpointWriter"/>); null: not anchored.</summary>
    public Governance.CheckpointOptions? Checkpoints { get; set; }

    /// <summary>How the background embedding runs (batch size, poll interval, priority). Default: see <see cref="EmbeddingOptions"/>.</summary>
    public EmbeddingOptions Embedding { get; set; } = new();

    /// <summary><see cref="ReadConcurrency"/>, with 0 resolved to half the processors (at least 1).</summary>
    internal int EffectiveReadConcurrency => ReadConcurrency > 0 ? ReadConcurrency : Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Checks the options.</summary>
    /// <exception cref="ConfigurationException">A value is out of range.</exception>
    public void Validate()
    {
        if (Port is < 0 or > 65535) throw new ConfigurationException($"port: must be between 0 and 65535, not {Port}.");
        if (MaxImportBytes < 1) throw new ConfigurationException($"max_import_bytes: must be positive, not {MaxImportBytes}.");
        if (MaxTextLength < 1) throw new ConfigurationException($"max_text_length: must be positive, not {MaxTextLength}.");
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (ReadConcurrency < 0) throw new ConfigurationException($"read_concurrency: must be 0 (automatic) or more, not {ReadConcurrency}.");
        if (ReadQueueLimit < 0) throw new ConfigurationException($"read_queue_limit: must be 0 or more, not {ReadQueueLimit}.");
        ArgumentNullException.ThrowIfNull(ReportCache);
        ReportCache.Validate();
        ArgumentNullException.ThrowIfNull(Embedding);
        Embedding.Validate();
    }
}
