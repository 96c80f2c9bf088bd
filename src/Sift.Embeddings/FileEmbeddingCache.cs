using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Sift.Features;

namespace Sift.Embeddings;

/// <summary>
/// An <see cref="IEmbeddingCache"/> in one append-only file per model id, for the CLI
/// (<c>~/.cache/sift/embeddings/</c> by default, see <see cref="DefaultDirectory"/>).
/// </summary>
/// <remarks>
/// <para><b>Format</b> (little-endian): a header — <c>SIFTEMB1</c>, format version, dimension, the model id, a random
/// generation id and a SHA-256 of the header — then blocks, one per <see cref="Add"/>: <c>BLK1</c>, a record count,
/// the records (32-byte <see cref="EmbeddingKey"/> and <see cref="Dimension"/> floats each) and a SHA-256 of the block.</para>
/// <para><b>Damage is never trusted.</b> A header that does not check out (wrong magic, version, model, dimension or
/// checksum) makes a new empty file, written beside it and renamed over it; a block that does not check out (torn by
/// a kill, truncated, a flipped bit) is cut off with everything after it, and its texts are embedded again.
/// <see cref="Repairs"/> says what was found.</para>
/// <para><b>Several processes</b> may use one file: every read and append happens under an exclusive lock on a
/// <c>.lock</c> file beside it (released by the system if the holder dies), appends are written in one call and
/// flushed to disk before the lock is released, and each lookup first reads the blocks other processes appended.
/// Two processes that embed the same new text at the same moment may both compute it; it is stored once.</para>
/// <para>Thread-safe. Vectors are kept in memory (about 1.6 kB each for 384 dimensions).</para>
/// </remarks>
public sealed class FileEmbeddingCache : IEmbeddingCache
{
    /// <summary>The environment variable that moves Sift's cache root (as for the demo corpus).</summary>
    public const string CacheEnvironmentVariable = "SIFT_CACHE";

    private const int FormatVersion = 1;
    private const int HashSize = 32;
    private const int GenerationSize = 16;
    private static readonly byte[] HeaderMagic = "SIFTEMB1"u8.ToArray();
    private static readonly byte[] BlockMagic = "BLK1"u8.ToArray();

    private readonly object _gate = new();
    private readonly object _fileGate = new();
    private readonly Dictionary<EmbeddingKey, float[]> _vectors = [];
    private readonly List<string> _repairs = [];
    private readonly string _lockPath;
    private readonly TimeSpan _lockTimeout;
    private readonly TimeProvider _time;
    private byte[] _generation = [];
    private long _knownLength;

    private FileEmbeddingCache(string path, string modelId, int dimension, TimeSpan lockTimeout, TimeProvider time)
    {
        FilePath = path;
        ModelId = modelId;
        Dimension = dimension;
        _lockPath = path + ".lock";
        _lockTimeout = lockTimeout;
        _time = time;
    }

    /// <summary><c>$SIFT_CACHE/embeddings</c> when that variable is set, else <c>~/.cache/sift/embeddings</c>.</summary>
    public static string DefaultDirectory
    {
        get
        {
            var root = Environment.GetEnvironmentVariable(CacheEnvironmentVariable);
            if (string.IsNullOrWhiteSpace(root))
                root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "sift");
            return Path.Combine(root, "embeddings");
        }
    }

    /// <summary>The cache file.</summary>
    public string FilePath { get; }

    /// <inheritdoc />
    public string ModelId { get; }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <summary>Vectors held (as of the last lookup or append).</summary>
    public int Count
    {
        get { lock (_gate) return _vectors.Count; }
    }

    /// <summary>What was found damaged and repaired so far, one sentence each; empty when the file was sound.</summary>
    public IReadOnlyList<string> Repairs
    {
        get { lock (_gate) return [.. _repairs]; }
    }

    /// <summary>Opens (or creates) the cache file of <paramref name="modelId"/> in <paramref name="directory"/> and reads it.</summary>
    /// <param name="directory">Folder of the cache files; created when missing.</param>
    /// <param name="modelId">The model whose vectors the file holds (<see cref="ITextEncoder.ModelId"/>).</param>
    /// <param name="dimension">Length of every vector.</param>
    /// <param name="lockTimeout">How long to wait for another process's lock. Default 2 minutes.</param>
    /// <param name="timeProvider">Clock of the waits for that lock. Default <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="SiftException">The folder cannot be created or the file cannot be read or written.</exception>
    public static FileEmbeddingCache Open(string directory, string modelId, int dimension, TimeSpan? lockTimeout = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SiftException($"Cannot create the embedding cache folder {directory}: {e.Message}", e);
        }
        var cache = new FileEmbeddingCache(Path.Combine(directory, FileNameOf(modelId)), modelId, dimension, lockTimeout ?? TimeSpan.FromMinutes(2), timeProvider ?? TimeProvider.System);
        cache.Locked(cache.Refresh);
        return cache;
    }

    /// <summary>The file name for <paramref name="modelId"/>: its letters, digits, '.', '-' and '_' (others become '_'), then <c>.vectors</c>.</summary>
    public static string FileNameOf(string modelId)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        var safe = new StringBuilder(modelId.Length);
        foreach (var c in modelId) safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        return safe + ".vectors";
    }

    /// <inheritdoc />
    public int Get(IReadOnlyList<EmbeddingKey> keys, DenseMatrix destination, Span<bool> found)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Rows < keys.Count || destination.Columns != Dimension || found.Length < keys.Count)
            throw new ArgumentException("The destination needs a row and a flag for every key.", nameof(destination));
        Locked(Refresh);
        lock (_gate)
        {
            var hits = 0;
            for (var i = 0; i < keys.Count; i++)
            {
                if (!_vectors.TryGetValue(keys[i], out var vector)) continue;
                vector.CopyTo(destination.Row(i));
                found[i] = true;
                hits++;
            }
            return hits;
        }
    }

    /// <inheritdoc />
    public void Add(IReadOnlyList<EmbeddingKey> keys, DenseMatrix vectors)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Rows < keys.Count || vectors.Columns != Dimension)
            throw new ArgumentException($"Need {keys.Count} rows of {Dimension} values.", nameof(vectors));
        if (keys.Count == 0) return;
        Locked(() =>
        {
            Refresh();
            var fresh = new List<int>(keys.Count);
            var seen = new HashSet<EmbeddingKey>();
            lock (_gate)
            {
                for (var i = 0; i < keys.Count; i++)
                {
                    if (!_vectors.ContainsKey(keys[i]) && seen.Add(keys[i])) fresh.Add(i);
                }
            }
            if (fresh.Count == 0) return;

            var recordSize = RecordSize;
            var block = new byte[BlockMagic.Length + 4 + (long)fresh.Count * recordSize + HashSize];
            BlockMagic.CopyTo(block, 0);
            BinaryPrimitives.WriteInt32LittleEndian(block.AsSpan(4), fresh.Count);
            var offset = 8;
            foreach (var i in fresh)
            {
                keys[i].WriteTo(block.AsSpan(offset));
                WriteFloats(vectors.Row(i), block.AsSpan(offset + EmbeddingKey.Size, Dimension * sizeof(float)));
                offset += recordSize;
            }
            SHA256.HashData(block.AsSpan(0, offset), block.AsSpan(offset));

            using (var file = OpenData(FileMode.Open))
            {
                file.Seek(_knownLength, SeekOrigin.Begin);
                file.Write(block);
                file.Flush(flushToDisk: true);
            }
            _knownLength += block.Length;
            lock (_gate)
            {
                foreach (var i in fresh) _vectors[keys[i]] = vectors.Row(i).ToArray();
            }
        });
    }

    private int RecordSize => EmbeddingKey.Size + Dimension * sizeof(float);

    /// <summary>Reads what other processes appended since the last look; repairs or recreates a damaged file. Call under the file lock.</summary>
    private void Refresh()
    {
        if (!File.Exists(FilePath))
        {
            if (_knownLength > 0) Repair("the cache file disappeared; starting a new one");
            Recreate();
            return;
        }
        using var file = OpenData(FileMode.Open);
        var header = ReadHeader(file, out var problem);
        if (header is null)
        {
            file.Dispose();
            Repair($"the header of {FilePath} is unusable ({problem}); the file was rebuilt empty");
            Recreate();
            return;
        }
        var (generation, headerLength) = header.Value;
        if (!generation.AsSpan().SequenceEqual(_generation) || file.Length < _knownLength)
        {
            // Another process rebuilt or cut the file: read it all again.
            lock (_gate) _vectors.Clear();
            _generation = generation;
            _knownLength = headerLength;
        }
        if (file.Length == _knownLength) return;

        file.Seek(_knownLength, SeekOrigin.Begin);
        var end = _knownLength;
        while (end < file.Length)
        {
            var block = ReadBlock(file, out problem);
            if (block is null)
            {
                Repair($"{FilePath} holds a damaged block at byte {end} ({problem}); it and everything after it ({file.Length - end} bytes) were dropped");
                file.SetLength(end);
                file.Flush(flushToDisk: true);
                break;
            }
            lock (_gate)
            {
                foreach (var (key, vector) in block) _vectors.TryAdd(key, vector);
            }
            end = file.Position;
        }
        _knownLength = end;
    }

    private (byte[] Generation, long Length)? ReadHeader(FileStream file, out string problem)
    {
        var fixedPart = new byte[HeaderMagic.Length + 12];
        if (!ReadExactly(file, fixedPart)) return Fail("it is shorter than a header", out problem);
        if (!fixedPart.AsSpan(0, HeaderMagic.Length).SequenceEqual(HeaderMagic)) return Fail("not a Sift embedding cache", out problem);
        var version = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(8));
        var dimension = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(12));
        var idLength = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(16));
        if (version != FormatVersion) return Fail($"format version {version}, expected {FormatVersion}", out problem);
        if (idLength is < 1 or > 4096) return Fail("bad model id length", out problem);
        var rest = new byte[idLength + GenerationSize + HashSize];
        if (!ReadExactly(file, rest)) return Fail("the header is cut short", out problem);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(fixedPart);
        hash.AppendData(rest, 0, idLength + GenerationSize);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(rest.AsSpan(idLength + GenerationSize))) return Fail("header checksum mismatch", out problem);
        var id = Encoding.UTF8.GetString(rest, 0, idLength);
        if (!string.Equals(id, ModelId, StringComparison.Ordinal)) return Fail($"it holds vectors of '{id}'", out problem);
        if (dimension != Dimension) return Fail($"it holds {dimension}-dimensional vectors, expected {Dimension}", out problem);
        problem = "";
        return (rest[idLength..(idLength + GenerationSize)], file.Position);
    }

    private List<(EmbeddingKey, float[])>? ReadBlock(FileStream file, out string problem)
    {
        var head = new byte[8];
        if (!ReadExactly(file, head)) return FailBlock("cut short", out problem);
        if (!head.AsSpan(0, 4).SequenceEqual(BlockMagic)) return FailBlock("no block marker", out problem);
        var count = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(4));
        var recordSize = RecordSize;
        if (count < 1 || (long)count * recordSize + HashSize > Math.Min(file.Length - file.Position, int.MaxValue))
            return FailBlock("cut short or bad record count", out problem);
        var body = new byte[count * recordSize + HashSize];
        if (!ReadExactly(file, body)) return FailBlock("cut short", out problem);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(head);
        hash.AppendData(body, 0, count * recordSize);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(body.AsSpan(count * recordSize))) return FailBlock("checksum mismatch", out problem);
        var records = new List<(EmbeddingKey, float[])>(count);
        for (var r = 0; r < count; r++)
        {
            var offset = r * recordSize;
            var vector = new float[Dimension];
            ReadFloats(body.AsSpan(offset + EmbeddingKey.Size, Dimension * sizeof(float)), vector);
            records.Add((EmbeddingKey.Read(body.AsSpan(offset)), vector));
        }
        problem = "";
        return records;
    }

    /// <summary>Writes a new empty file (header only) beside the old one and renames it over it.</summary>
    private void Recreate()
    {
        var generation = RandomNumberGenerator.GetBytes(GenerationSize);
        var id = Encoding.UTF8.GetBytes(ModelId);
        var header = new byte[HeaderMagic.Length + 12 + id.Length + GenerationSize + HashSize];
        HeaderMagic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), Dimension);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16), id.Length);
        id.CopyTo(header, 20);
        generation.CopyTo(header, 20 + id.Length);
        SHA256.HashData(header.AsSpan(0, header.Length - HashSize), header.AsSpan(header.Length - HashSize));

        var temporary = $"{FilePath}.{Environment.ProcessId}.tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(header);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, FilePath, overwrite: true);
        lock (_gate) _vectors.Clear();
        _generation = generation;
        _knownLength = header.Length;
    }

    private FileStream OpenData(FileMode mode) =>
        new(FilePath, mode, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 1 << 16);

    /// <summary>Runs <paramref name="action"/> holding the cross-process lock (and this instance's).</summary>
    private void Locked(Action action)
    {
        lock (_fileGate)
        {
            try
            {
                using var fileLock = AcquireFileLock();
                action();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SiftException($"Cannot use the embedding cache {FilePath}: {e.Message}", e);
            }
        }
    }

    private FileStream AcquireFileLock()
    {
        var started = _time.GetTimestamp();
        var pause = 5;
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock) that the system drops if this process dies.
                return new FileStream(_lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (_time.GetElapsedTime(started) < _lockTimeout && File.Exists(_lockPath))
            {
                Task.Delay(TimeSpan.FromMilliseconds(pause), _time).GetAwaiter().GetResult();
                pause = Math.Min(pause * 2, 200);
            }
            catch (IOException e)
            {
                throw new SiftException($"The embedding cache {FilePath} stayed locked by another process for {_lockTimeout.TotalSeconds:0} s.", e);
            }
        }
    }

    private void Repair(string what)
    {
        lock (_gate) _repairs.Add(what);
    }

    private static bool ReadExactly(Stream stream, byte[] buffer) => stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) == buffer.Length;

    private static void WriteFloats(ReadOnlySpan<float> values, Span<byte> destination)
    {
        if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(values).CopyTo(destination);
        else for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], values[i]);
    }

    private static void ReadFloats(ReadOnlySpan<byte> source, Span<float> values)
    {
        if (BitConverter.IsLittleEndian) source.CopyTo(MemoryMarshal.AsBytes(values));
        else for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * 4)..]);
    }

    private static (byte[], long)? Fail(string reason, out string problem)
    {
        problem = reason;
        return null;
    }

    private static List<(EmbeddingKey, float[])>? FailBlock(string reason, out string problem)
    {
        problem = reason;
        return null;
    }
}
