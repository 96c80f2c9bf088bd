using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Sift.Features;

/// <summary>
/// Reads user-supplied item vectors from JSON Lines, one object per line:
/// <c>{"id": "a1", "vector": [0.12, -0.5, ...]}</c>. The id may be a string or an integer (read as its
/// decimal text, so <c>42</c> matches item "42"); other properties are ignored; blank lines are skipped.
/// </summary>
/// <remarks>
/// Reading is all-or-nothing: the first problem raises an <see cref="ImportException"/> naming the source,
/// the 1-based line and the field, and nothing is returned. Thread-safe (no shared state).
/// </remarks>
public static class VectorFileReader
{
    // A line longer than this is not a vector file (e.g. a binary file without line breaks).
    private const int MaxLineBytes = 64 << 20;

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>Reads every vector of <paramref name="stream"/> (UTF-8 JSON Lines) to its end.</summary>
    /// <param name="stream">The JSON Lines content; read to the end, not disposed.</param>
    /// <param name="sourceName">File name (or other label) used in error messages.</param>
    /// <returns>Vectors by item id (ordinal comparison), all of the same dimension.</returns>
    /// <exception cref="ImportException">
    /// The content is empty, not valid UTF-8 or not valid JSON; a line lacks an id or a vector; an id is
    /// repeated; a vector is not a non-empty array of finite numbers; or dimensions differ between lines.
    /// </exception>
    public static IReadOnlyDictionary<string, float[]> Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);

        var state = new ReadState(sourceName);
        var buffer = new byte[64 * 1024];
        var filled = 0;
        var lineNumber = 0L;
        while (true)
        {
            if (filled == buffer.Length)
            {
                if (buffer.Length >= MaxLineBytes)
                    throw new ImportException(sourceName, lineNumber + 1, null, $"the line is longer than {MaxLineBytes >> 20} MiB; is this a JSON Lines file?");
                Array.Resize(ref buffer, buffer.Length * 2);
            }
            var read = stream.Read(buffer, filled, buffer.Length - filled);
            var end = read == 0;
            var scanFrom = filled;
            filled += read;

            var lineStart = 0;
            var newline = Array.IndexOf(buffer, (byte)'\n', scanFrom, filled - scanFrom);
            while (newline >= 0)
            {
                state.ReadLine(buffer.AsSpan(lineStart, newline - lineStart), ++lineNumber);
                lineStart = newline + 1;
                newline = Array.IndexOf(buffer, (byte)'\n', lineStart, filled - lineStart);
            }
            if (end)
            {
                if (lineStart < filled) state.ReadLine(buffer.AsSpan(lineStart, filled - lineStart), ++lineNumber);
                break;
            }
            Buffer.BlockCopy(buffer, lineStart, buffer, 0, filled - lineStart);
            filled -= lineStart;
        }

        if (state.Vectors.Count == 0)
            throw new ImportException(sourceName, 0, null, "the file holds no vectors (it is empty)");
        return state.Vectors;
    }

    private sealed class ReadState(string source)
    {
        private readonly Dictionary<string, long> _lineOfId = new(StringComparer.Ordinal);
        private int _dimension;
        private long _dimensionLine;

        public Dictionary<string, float[]> Vectors { get; } = new(StringComparer.Ordinal);

        public void ReadLine(ReadOnlySpan<byte> line, long lineNumber)
        {
            if (lineNumber == 1 && line.StartsWith(Utf8Bom)) line = line[Utf8Bom.Length..];
            line = line.TrimEnd((byte)'\r');
            if (line.Trim(" \t"u8).IsEmpty) return;
            if (!Utf8.IsValid(line)) throw Error(lineNumber, null, "the line is not valid UTF-8");

            string? id = null;
            float[]? vector = null;
            try
            {
                var reader = new Utf8JsonReader(line);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                    throw Error(lineNumber, null, "expected a JSON object such as {\"id\": \"a1\", \"vector\": [0.5, -1.25]}");
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString();
                    reader.Read();
                    switch (name)
                    {
                        case "id":
                            if (id is not null) throw Error(lineNumber, "id", "appears twice");
                            id = ReadId(ref reader, lineNumber);
                            break;
                        case "vector":
                            if (vector is not null) throw Error(lineNumber, "vector", "appears twice");
                            vector = ReadVector(ref reader, lineNumber);
                            break;
                        default:
                            reader.Skip();
                            break;
                    }
                }
                // Anything after the object (a second value, stray text) makes this read throw.
                reader.Read();
            }
            catch (JsonException e)
            {
                throw Error(lineNumber, null, $"malformed JSON: {Describe(e)}");
            }

            if (id is null) throw Error(lineNumber, "id", "missing");
            if (vector is null) throw Error(lineNumber, "vector", "missing");
            if (_lineOfId.TryGetValue(id, out var firstLine))
                throw Error(lineNumber, "id", $"duplicate id {Quote(id)} (first on line {firstLine})");
            if (_dimension == 0)
            {
                _dimension = vector.Length;
                _dimensionLine = lineNumber;
            }
            else if (vector.Length != _dimension)
            {
                throw Error(lineNumber, "vector",
                    $"has {Dimensions(vector.Length)} but the vector on line {_dimensionLine} has {_dimension}; all vectors must have the same dimension");
            }
            _lineOfId.Add(id, lineNumber);
            Vectors.Add(id, vector);
        }

        private string ReadId(ref Utf8JsonReader reader, long lineNumber)
        {
            string id;
            if (reader.TokenType == JsonTokenType.String)
                id = reader.GetString()!;
            else if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number))
                id = number.ToString(CultureInfo.InvariantCulture);
            else
                throw Error(lineNumber, "id", $"must be a string or an integer (got {Describe(ref reader)})");
            if (string.IsNullOrWhiteSpace(id)) throw Error(lineNumber, "id", "is empty");
            return id;
        }

        private float[] ReadVector(ref Utf8JsonReader reader, long lineNumber)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
                throw Error(lineNumber, "vector", $"must be an array of numbers (got {Describe(ref reader)})");
            var values = new List<float>(_dimension > 0 ? _dimension : 256);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.Number)
                    throw Error(lineNumber, "vector", $"element {values.Count} is not a number (got {Describe(ref reader)})");
                if (!reader.TryGetSingle(out var value) || !float.IsFinite(value))
                    throw Error(lineNumber, "vector", $"element {values.Count} ({Encoding.UTF8.GetString(reader.ValueSpan)}) is not a finite 32-bit number");
                values.Add(value);
            }
            if (values.Count == 0) throw Error(lineNumber, "vector", "is empty");
            return [.. values];
        }

        private ImportException Error(long lineNumber, string? field, string problem) => new(source, lineNumber, field, problem);
    }

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"the string {Quote(reader.GetString()!)}",
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        _ => reader.TokenType.ToString(),
    };

    private static string Describe(JsonException e)
    {
        // Keep the reader's first sentence; the rest is advice for programmers and "LineNumber: 0 | BytePositionInLine: 12.".
        var message = e.Message;
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        if (end >= 0) message = message[..(end + 1)];
        return e.BytePositionInLine is { } position ? $"{message} (at byte {position + 1})" : message;
    }

    private static string Dimensions(int count) => count == 1 ? "1 dimension" : $"{count} dimensions";

    private static string Quote(string text) => text.Length <= 60 ? $"'{text}'" : $"'{text[..57]}...'";
}
