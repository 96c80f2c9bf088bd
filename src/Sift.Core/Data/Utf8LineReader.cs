using System.Buffers;
using System.Text;

namespace Sift.Data;

/// <summary>
/// Reads a stream of UTF-8 text line by line as raw bytes, without decoding it, so that each line can be
/// validated and parsed on its own and errors can name the line. Lines end at LF; a CR before it is dropped and a
/// UTF-8 byte order mark at the very start is skipped. The stream is not disposed.
/// </summary>
internal sealed class Utf8LineReader : IDisposable
{
    private const int InitialBufferSize = 64 * 1024;
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    private readonly Stream _stream;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    private int _start;
    private int _end;
    private bool _eof;

    public Utf8LineReader(Stream stream) => _stream = stream;

    /// <summary>The 1-based number of the line last returned; 0 before the first.</summary>
    public long LineNumber { get; private set; }

    /// <summary>
    /// Reads the next line, without its line break. The memory is valid until the next call.
    /// Returns <see langword="false"/> at the end of the stream.
    /// </summary>
    public bool TryReadLine(out ReadOnlyMemory<byte> line)
    {
        var scanFrom = _start;
        while (true)
        {
            var newline = _buffer.AsSpan(scanFrom, _end - scanFrom).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var lineEnd = scanFrom + newline;
                line = Take(lineEnd);
                _start = lineEnd + 1;
                return true;
            }

            if (_eof)
            {
                if (_start == _end)
                {
                    line = default;
                    return false;
                }

                line = Take(_end);
                _start = _end;
                return true;
            }

            // Everything up to _end has been scanned: only the bytes read next can hold the line break.
            var scanned = _end - _start;
            Fill();
            scanFrom = _start + scanned;
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private ReadOnlyMemory<byte> Take(int lineEnd)
    {
        LineNumber++;
        var from = _start;
        if (LineNumber == 1 && _buffer.AsSpan(from, lineEnd - from).StartsWith(Bom)) from += Bom.Length;
        var to = lineEnd > from && _buffer[lineEnd - 1] == (byte)'\r' ? lineEnd - 1 : lineEnd;
        return _buffer.AsMemory(from, to - from);
    }

    /// <summary>Moves the pending bytes to the front of the buffer (growing it when full) and reads more.</summary>
    private void Fill()
    {
        var pending = _end - _start;
        if (pending == _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(checked(_buffer.Length * 2));
            _buffer.AsSpan(_start, pending).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        else if (_start > 0)
        {
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
        }

        _start = 0;
        _end = pending;
        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        else _end += read;
    }

    /// <summary>Whether a line holds nothing but spaces and tabs (and so is skipped).</summary>
    public static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept((byte)' ', (byte)'\t', (byte)'\r') < 0;

    /// <summary>The 0-based offset of the first byte that is not part of valid UTF-8, or -1 when all are valid.</summary>
    public static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return -1;
        var i = 0;
        while (i < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[i..], out _, out var consumed) != OperationStatus.Done) return i;
            i += consumed;
        }

        return -1;
    }
}
