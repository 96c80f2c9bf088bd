using System.Runtime.InteropServices;

namespace Sift.Server.Training;

/// <summary>
/// Runs a fit on a thread of its own, at the lowest CPU priority the system gives an unprivileged process (Linux: nice
/// 19 for that thread only; elsewhere <see cref="ThreadPriority.Lowest"/>), so that on a busy machine request handling
/// gets the cores first and the trainer takes what is left. Results do not depend on it; parallel loops inside the fit
/// that use more than one thread run their extra workers on pool threads at normal priority.
/// </summary>
internal static class TrainerThread
{
    private const int PrioProcess = 0;
    private const int LowestNice = 19;

    /// <summary>Runs <paramref name="work"/> on a new background thread (lowered when <paramref name="lowPriority"/>); the task ends with its result or exception.</summary>
    public static Task<T> RunAsync<T>(Func<T> work, bool lowPriority, string name)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            if (lowPriority) Lower();
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }

    private static void Lower()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                // On Linux a thread id names one thread for setpriority; .NET's ThreadPriority is not applied there.
                if (SetPriority(PrioProcess, GetThreadId(), LowestNice) == 0) return;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // Not glibc: fall through.
            }
        }
        Thread.CurrentThread.Priority = ThreadPriority.Lowest;
    }

    // Plain blittable signatures: no marshalling code is generated, so no unsafe code is needed in this assembly.
    [DllImport("libc", EntryPoint = "setpriority")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int GetThreadId();
}
