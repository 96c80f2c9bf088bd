using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Sift.DemoCorpus.Tests;

public sealed class PackageMessagesTests
{
    [Fact]
    public void Read_PackageLayout_OnlyTheRawTxtMessagesSortedWithIdLabelAndChecksum()
    {
        var good = Encoding.Latin1.GetBytes("Subject: caf\xE9\n\nbody\n");
        var md5 = Convert.ToHexStringLower(MD5.HashData(good));
        var package = Tarball(
            ("package/package.json", "{}"u8.ToArray()),
            ("package/data/file_list.json", "[]"u8.ToArray()),
            ($"package/data/spam-2/00002.{md5}.txt", good),
            ($"package/data/spam-2/00002.{md5}.json", "{\"text\":\"caf\uFFFD\"}"u8.ToArray()),
            ("package/data/easy-ham-1/00001.0123456789abcdef0123456789abcdef.txt", "Subject: x\n\ny\n"u8.ToArray()),
            ("package/data/other/00003.0123.txt", "Subject: x\n\ny\n"u8.ToArray()));

        var messages = PackageMessages.Read(new MemoryStream(package));

        messages.Select(m => m.Id).ShouldBe(["easy-ham-1/00001", "spam-2/00002"]);
        messages.Select(m => m.Label).ShouldBe(["ham", "spam"]);
        messages[1].Raw.ShouldBe(good);
        messages[1].Md5Matches.ShouldBeTrue();
        messages[0].Md5Matches.ShouldBeFalse();
    }

    [Fact]
    public void Read_NoMessages_InvalidData()
    {
        var package = Tarball(("package/package.json", "{}"u8.ToArray()));

        Should.Throw<InvalidDataException>(() => PackageMessages.Read(new MemoryStream(package)));
    }

    [Fact]
    public void Write_SameItemsTwice_SameBytesAndOneJsonObjectPerLine()
    {
        CorpusItem[] items = [new("spam-1/00001", "Hi “there”\n\nbody <b>", "spam", "spam-1"), new("easy-ham-1/00001", "x", "ham", "easy-ham-1")];
        using var first = new MemoryStream();
        using var second = new MemoryStream();

        CorpusWriter.Write(first, items);
        CorpusWriter.Write(second, items);

        first.ToArray().ShouldBe(second.ToArray());
        using var reader = new StreamReader(new GZipStream(new MemoryStream(first.ToArray()), CompressionMode.Decompress));
        reader.ReadToEnd().ShouldBe(
            "{\"id\":\"spam-1/00001\",\"text\":\"Hi “there”\\n\\nbody <b>\",\"label\":\"spam\",\"group\":\"spam-1\"}\n" +
            "{\"id\":\"easy-ham-1/00001\",\"text\":\"x\",\"label\":\"ham\",\"group\":\"easy-ham-1\"}\n");
    }

    private static byte[] Tarball(params (string Name, byte[] Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
        }

        return buffer.ToArray();
    }
}
