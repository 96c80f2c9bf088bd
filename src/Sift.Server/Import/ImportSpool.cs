namespace Sift.Server.Import;

/// <summary>
/// Temporary files that hold an import body while it is read. A spool file has no name once it is open: on Unix it is
/// unlinked at once (the open handle keeps the data until it is closed), on Windows it is opened delete-on-close, which
/// the system honours when the process is killed. So no spool file outlives its request, a kill -9 included. Files
/// left by older versions are removed when the server starts (<see cref="DeleteStale"/>).
/// </summary>
internal static class ImportSpool
{
    /// <summary>The file name prefix of spool files in the temporary folder.</summary>
    public const string Prefix = "sift-import-";

    /// <summary>Creates a spool file in <paramref name="directory"/>, open for reading and writing, already without a name on Unix.</summary>
    public static FileStream Create(string directory)
    {
        var path = Path.Combine(directory, Prefix + Guid.NewGuid().ToString("N"));
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                File.Delete(path);
            }
            catch
            {
                stream.Dispose();
                throw;
            }
        }
        return stream;
    }

    /// <summary>
    /// Deletes spool files in <paramref name="directory"/> (left by a killed process of an older version); returns how
    /// many. A file another live process still has open is gone from the folder only (Unix) or not deleted (Windows).
    /// </summary>
    public static int DeleteStale(string directory)
    {
        var deleted = 0;
        foreach (var path in Directory.EnumerateFiles(directory, Prefix + "*"))
        {
            try
            {
                File.Delete(path);
                deleted++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // In use (Windows) or not ours to delete: leave it.
            }
        }
        return deleted;
    }
}
