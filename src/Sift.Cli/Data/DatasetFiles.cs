using Sift.Data;

namespace Sift.Cli.Data;

/// <summary>Opens data set files for <see cref="TextDatasetReader"/>, turning file-system failures into one-sentence errors.</summary>
internal static class DatasetFiles
{
    /// <summary>Reads the data set in the file at <paramref name="path"/>; errors name the path as given.</summary>
    /// <exception cref="SiftException">The file does not exist, is a directory or cannot be read.</exception>
    /// <exception cref="ImportException">The file's content is invalid.</exception>
    /// <exception cref="ConfigurationException"><paramref name="options"/> are invalid.</exception>
    public static TextDataset Load(string path, DataFormatOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);

        using var stream = Open(path);
        try
        {
            return TextDatasetReader.Read(stream, path, options);
        }
        catch (IOException e)
        {
            throw new SiftException($"cannot read {path}: {e.Message}", e);
        }
    }

    /// <summary>Opens a file for sequential reading; failures become one-sentence <see cref="SiftException"/>s naming the path.</summary>
    public static FileStream Open(string path)
    {
        if (Directory.Exists(path)) throw new SiftException($"not a file but a directory: {path}");
        try
        {
            return new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read,
                BufferSize = 64 * 1024,
                Options = FileOptions.SequentialScan,
            });
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SiftException($"file not found: {path}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new SiftException($"cannot read {path}: permission denied", e);
        }
        catch (IOException e)
        {
            throw new SiftException($"cannot read {path}: {e.Message}", e);
        }
    }
}
