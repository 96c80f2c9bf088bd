using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Sift.Data;
using Sift.Llm;
using Sift.Server.Hosting;
using Sift.Storage;

namespace Sift.Server.Models;

/// <summary>
/// Model annotators' configurations: checked field by field when an admin adds one (a 400 naming the field), and turned
/// into the LLM spec the engine runs (<see cref="LlmSpec"/>). The key is never part of either: only the name of the
/// environment variable that holds it, read when the model is started.
/// </summary>
internal static partial class ModelSpecs
{
    /// <summary>Items an endpoint is asked at the same time unless the admin says otherwise.</summary>
    public const int DefaultEndpointConcurrency = 4;

    /// <summary>Retries of an endpoint request unless the admin says otherwise.</summary>
    public const int DefaultRetries = 2;

    /// <summary>Time allowed for one attempt at an endpoint unless the admin says otherwise.</summary>
    public static readonly TimeSpan DefaultEndpointTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Time allowed for one item on an embedded model unless the admin says otherwise.</summary>
    public static readonly TimeSpan DefaultGgufTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Whether the model is a GGUF file run in-process.</summary>
    public static bool IsGguf(string model) => model.StartsWith("gguf:", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The checked configuration and its default name (the model's id, <c>openai:MODEL</c> or <c>gguf:FILE</c>), or a
    /// <see cref="RequestValidationException"/> naming the field at fault. The key's variable must be set in this
    /// process's environment; its value is never read here beyond that, and never repeated in a message.
    /// </summary>
    public static (ModelAnnotatorConfig Config, string DefaultName) Check(string? model, string? keyEnv, int? concurrency, double? timeoutSeconds, int? retries,
        double? priceIn, double? priceOut)
    {
        var target = (model ?? throw new RequestValidationException("model", "'model' is required: gguf:PATH or openai:MODEL@URL.")).Trim();
        if (target.Length == 0) throw new RequestValidationException("model", "model: may not be empty; write gguf:PATH or openai:MODEL@URL.");
        if (target.Length > 2048) throw new RequestValidationException("model", "model: is longer than 2,048 characters.");
        var control = TextRules.IndexOfForbiddenInName(target);
        if (control >= 0) throw new RequestValidationException("model", $"model: {TextRules.Describe(target, control)}; it may not hold control characters.");
        if (target.Contains(',', StringComparison.Ordinal))
            throw new RequestValidationException("model", "model: may not contain a comma; concurrency, time-out, retries, prices and key_env are fields of their own.");
        var gguf = IsGguf(target);
        if (!gguf && !target.StartsWith("openai:", StringComparison.OrdinalIgnoreCase))
            throw new RequestValidationException("model", "model: must start with gguf: (a GGUF file on the server) or openai: (openai:MODEL@URL, an OpenAI-compatible endpoint).");

        if (gguf)
        {
            if (keyEnv is not null) throw new RequestValidationException("key_env", "key_env: applies to endpoints only; a GGUF file needs no key.");
            if (concurrency is not (null or 1)) throw new RequestValidationException("concurrency", "concurrency: a GGUF model runs one item at a time; leave it out or send 1.");
            if (retries is not (null or 0)) throw new RequestValidationException("retries", "retries: apply to endpoints only; a GGUF model is not retried.");
            var path = target[5..];
            if (path.Length > 0 && !File.Exists(path))
                throw new RequestValidationException("model", "model: no GGUF file exists at that path on the server.");
        }
        else if (keyEnv is not null)
        {
            if (!EnvironmentName().IsMatch(keyEnv))
                throw new RequestValidationException("key_env", "key_env: must name an environment variable (letters, digits and _, not starting with a digit, at most 128 characters), not hold the key.");
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(keyEnv)))
                throw new RequestValidationException("key_env", "key_env: the environment variable it names is not set in the server's environment; set it and restart the server.");
        }

        if (concurrency is < 1 or > 64) throw new RequestValidationException("concurrency", $"concurrency: must be between 1 and 64, not {concurrency}.");
        if (timeoutSeconds is { } t && !(t is >= 0.1 and <= 3600))
            throw new RequestValidationException("timeout_seconds", FormattableString.Invariant($"timeout_seconds: must be between 0.1 and 3600, not {t}."));
        if (retries is < 0 or > 10) throw new RequestValidationException("retries", $"retries: must be between 0 and 10, not {retries}.");
        CheckPrice("price_in", priceIn);
        CheckPrice("price_out", priceOut);

        var config = new ModelAnnotatorConfig
        {
            Model = target,
            KeyEnv = keyEnv,
            Concurrency = concurrency ?? (gguf ? 1 : DefaultEndpointConcurrency),
            Timeout = timeoutSeconds is { } seconds ? TimeSpan.FromMilliseconds(Math.Round(seconds * 1000)) : gguf ? DefaultGgufTimeout : DefaultEndpointTimeout,
            Retries = retries ?? (gguf ? 0 : DefaultRetries),
            InputPricePer1K = priceIn ?? 0,
            OutputPricePer1K = priceOut ?? 0,
        };
        LlmSpec spec;
        try
        {
            spec = Spec(config);
        }
        catch (ConfigurationException e)
        {
            throw new RequestValidationException("model", "model: " + e.Message);
        }

        return (config, spec.Oracle.Name.Length <= UsersApiNameLimit ? spec.Oracle.Name : spec.Oracle.Name[..UsersApiNameLimit]);
    }

    /// <summary>The LLM spec that runs the configuration (no key: only its variable's name).</summary>
    /// <exception cref="ConfigurationException">The configuration does not make a valid spec.</exception>
    public static LlmSpec Spec(ModelAnnotatorConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var spec = new StringBuilder(config.Model);
        Option(spec, "price-in", Price(config.InputPricePer1K));
        Option(spec, "price-out", Price(config.OutputPricePer1K));
        if (!IsGguf(config.Model))
        {
            if (config.KeyEnv is { } keyEnv) Option(spec, "key-env", keyEnv);
            Option(spec, "concurrency", config.Concurrency.ToString(CultureInfo.InvariantCulture));
            Option(spec, "timeout", ((long)Math.Max(1, config.Timeout.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms");
            Option(spec, "retries", config.Retries.ToString(CultureInfo.InvariantCulture));
        }
        return LlmSpec.Parse(spec.ToString());
    }

    /// <summary>
    /// The longest one item may take before the worker gives up and sends it to people: for an endpoint every attempt
    /// with its back-off (the endpoint times each attempt out itself), for a GGUF model the time-out.
    /// </summary>
    public static TimeSpan Deadline(ModelAnnotatorConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (IsGguf(config.Model)) return config.Timeout;
        // Back-off is at most 30 s per retry (the endpoint's longest wait); ten seconds more for the parse and the prompt.
        return config.Timeout * (config.Retries + 1) + TimeSpan.FromSeconds(30) * config.Retries + TimeSpan.FromSeconds(10);
    }

    /// <summary>Whether the key's variable (when one is named) is set in this process's environment; the value is not read out.</summary>
    public static bool KeyPresent(ModelAnnotatorConfig config) =>
        config.KeyEnv is null || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(config.KeyEnv));

    private const int UsersApiNameLimit = Api.UsersApi.MaxNameLength;

    private static void Option(StringBuilder spec, string name, string value) => spec.Append(',').Append(name).Append('=').Append(value);

    private static string Price(double price) => price.ToString("0.###############", CultureInfo.InvariantCulture);

    private static void CheckPrice(string field, double? price)
    {
        if (price is { } p && !(double.IsFinite(p) && p is >= 0 and <= 1000))
            throw new RequestValidationException(field, FormattableString.Invariant($"{field}: must be a price per 1,000 tokens from 0 to 1000, not {p}."));
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    private static partial Regex EnvironmentName();
}
