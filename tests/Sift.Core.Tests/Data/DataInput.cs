using System.Text;
using Sift.Data;

namespace Sift.Core.Tests.Data;

/// <summary>Builds input streams for the reader tests.</summary>
internal static class DataInput
{
    public static TextDataset Read(string content, string name = "t.jsonl", DataFormatOptions? options = null) =>
        TextDatasetReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(content)), name, options);

    public static TextDataset ReadBytes(byte[] content, string name = "t.jsonl", DataFormatOptions? options = null) =>
        TextDatasetReader.Read(new MemoryStream(content), name, options);

    public static ImportException Fails(string content, string name = "t.jsonl", DataFormatOptions? options = null) =>
        Should.Throw<ImportException>(() => Read(content, name, options));

    public static ImportException FailsBytes(byte[] content, string name = "t.jsonl", DataFormatOptions? options = null) =>
        Should.Throw<ImportException>(() => ReadBytes(content, name, options));

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}

/// <summary>A stream that returns at most a few bytes per read and cannot seek, like a slow pipe.</summary>
internal sealed class TrickleStream(byte[] data, int chunk) : Stream
{
    private int _position;

    public bool Disposed { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = Math.Min(Math.Min(chunk, count), data.Length - _position);
        Array.Copy(data, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}
