using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Sift.Features;

/// <summary>
/// A cache key for one text's vector: SHA-256 over the UTF-8 bytes of the model id, a zero byte, and the text in
/// <see cref="EmbeddingText"/> normal form. Equal keys mean the same model and the same normalised text.
/// </summary>
public readonly record struct EmbeddingKey
{
    /// <summary>Length of a key in bytes.</summary>
    public const int Size = 32;

    private readonly ulong _a, _b, _c, _d;

    private EmbeddingKey(ulong a, ulong b, ulong c, ulong d) => (_a, _b, _c, _d) = (a, b, c, d);

    /// <summary>The key of <paramref name="text"/> (normalised here) under <paramref name="modelId"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="modelId"/> is blank or holds a zero character.</exception>
    public static EmbeddingKey Create(string modelId, string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        if (modelId.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException("A model id may not hold a zero character.", nameof(modelId));
        ArgumentNullException.ThrowIfNull(text);
        var normal = EmbeddingText.Normalize(text);
        var idBytes = Encoding.UTF8.GetByteCount(modelId);
        var length = idBytes + 1 + Encoding.UTF8.GetByteCount(normal);
        var buffer = length <= 4096 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(modelId, buffer);
        buffer[idBytes] = 0;
        Encoding.UTF8.GetBytes(normal, buffer[(idBytes + 1)..]);
        Span<byte> hash = stackalloc byte[Size];
        SHA256.HashData(buffer, hash);
        return Read(hash);
    }

    /// <summary>Reads a key written by <see cref="WriteTo"/>.</summary>
    public static EmbeddingKey Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Size) throw new ArgumentException($"A key needs {Size} bytes.", nameof(bytes));
        return new EmbeddingKey(
            BinaryPrimitives.ReadUInt64BigEndian(bytes),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]));
    }

    /// <summary>Writes the key's <see cref="Size"/> bytes (the SHA-256 digest) to <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size) throw new ArgumentException($"A key needs {Size} bytes.", nameof(destination));
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    /// <summary>The digest in lower-case hexadecimal.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
