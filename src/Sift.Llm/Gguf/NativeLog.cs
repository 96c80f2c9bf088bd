using System.Text;
using System.Text.RegularExpressions;
using LLama.Native;

namespace Sift.Llm.Gguf;

/// <summary>
/// llama.cpp's log, taken off stderr (it would litter the CLI's output) and captured while a model loads, so a load
/// failure can say what llama.cpp found wrong. The callback is process-wide (llama.cpp has one); capture is per thread,
/// since llama.cpp logs on the loading thread.
/// </summary>
internal static partial class NativeLog
{
    private static readonly Lock Gate = new();
    private static bool _installed;
    private static NativeLogConfig.LLamaLogCallback? _callback;

    [ThreadStatic] private static StringBuilder? _capture;
    [ThreadStatic] private static bool _lastWasError;

    public static void Install()
    {
        lock (Gate)
        {
            if (_installed) return;
            _callback = OnLog;
            NativeLogConfig.llama_log_set(_callback);
            _installed = true;
        }
    }

    public static void BeginCapture() => _capture = new StringBuilder();

    /// <summary>The errors logged on this thread since <see cref="BeginCapture"/>, on one line.</summary>
    public static string EndCapture()
    {
        var text = _capture?.ToString() ?? "";
        _capture = null;
        return string.Join(" ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static void OnLog(LLamaLogLevel level, string message)
    {
        var capture = _capture;
        if (capture is null) return;
        if (level == LLamaLogLevel.Error || (level == LLamaLogLevel.Continue && _lastWasError))
        {
            _lastWasError = true;
            // Keep what llama.cpp says, not where: "llama_model_load: error loading model: X" becomes "X".
            var text = FunctionPrefix().Replace(message, "").Replace("error loading model: ", "", StringComparison.Ordinal);
            if (text.Contains("failed to load model", StringComparison.Ordinal) || capture.Length > 2000) return;
            // The file's bytes may appear in the message: nothing but printable text goes further.
            foreach (var c in text) capture.Append(char.IsControl(c) && c != '\n' ? '?' : c);
            capture.Append('\n');
        }
        else if (level != LLamaLogLevel.Continue)
        {
            _lastWasError = false;
        }
    }

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_]*: )+")]
    private static partial Regex FunctionPrefix();
}
