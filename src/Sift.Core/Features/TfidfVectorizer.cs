using System.Globalization;
using System.Runtime.InteropServices;

namespace Sift.Features;

/// <summary>
/// TF-IDF vectoriser fitted on the pool's text: smooth IDF <c>ln((1+n)/(1+df)) + 1</c>, optional sublinear TF,
/// L2-normalised rows, output as CSR (Salton &amp; Buckley 1988; the formulas of scikit-learn's TfidfVectorizer).
/// A fitted vectoriser is immutable and thread-safe.
/// </summary>
public sealed class TfidfVectorizer
{
    private const int IdBits = 21;
    private const ulong IdMask = (1UL << IdBits) - 1;

    private readonly TfidfOptions _options;
    private readonly Dictionary<string, int> _unigrams;      // word analyzer: word -> unigram id
    private readonly Dictionary<ulong, int> _wordTerms;       // word analyzer: packed n-gram -> column
    private readonly Dictionary<string, int> _charTerms;      // char analyzer: n-gram -> column
    private readonly float[] _idf;

    private TfidfVectorizer(TfidfOptions options, Dictionary<string, int> unigrams, Dictionary<ulong, int> wordTerms,
        Dictionary<string, int> charTerms, float[] idf)
    {
        _options = options;
        _unigrams = unigrams;
        _wordTerms = wordTerms;
        _charTerms = charTerms;
        _idf = idf;
    }

    /// <summary>The options used.</summary>
    public TfidfOptions Options => _options;

    /// <summary>Vocabulary size (number of columns).</summary>
    public int FeatureCount => _idf.Length;

    /// <summary>IDF weight of each column.</summary>
    public ReadOnlySpan<float> Idf => _idf;

    /// <summary>Fits the vocabulary and IDF on <paramref name="documents"/>.</summary>
    public static TfidfVectorizer Fit(IReadOnlyList<string> documents, TfidfOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(documents);
        options ??= new TfidfOptions();
        options.Validate();
        if (documents.Count == 0) throw new ConfigurationException("Cannot fit TF-IDF on an empty pool.");
        return options.Analyzer == TermAnalyzer.Word ? FitWords(documents, options) : FitChars(documents, options);
    }

    /// <summary>Fits on <paramref name="documents"/> and returns their matrix.</summary>
    public static (TfidfVectorizer Vectorizer, SparseMatrix Matrix) FitTransform(IReadOnlyList<string> documents, TfidfOptions? options = null)
    {
        var v = Fit(documents, options);
        return (v, v.Transform(documents));
    }

    private static TfidfVectorizer FitWords(IReadOnlyList<string> documents, TfidfOptions options)
    {
        var unigrams = new Dictionary<string, int>(StringComparer.Ordinal);
        var lookup = unigrams.GetAlternateLookup<ReadOnlySpan<char>>();
        var df = new Dictionary<ulong, int>();
        var firstSeen = new List<ulong>();
        var seen = new HashSet<ulong>();
        var ids = new List<int>();
        foreach (var doc in documents)
        {
            ids.Clear();
            var text = options.Lowercase ? doc.ToLowerInvariant() : doc;
            foreach (var (start, length) in WordSpans(text))
            {
                var token = text.AsSpan(start, length);
                if (!lookup.TryGetValue(token, out var id))
                {
                    id = unigrams.Count;
                    if ((ulong)id >= IdMask) throw new ConfigurationException("More than two million distinct words: use character n-grams or a smaller pool.");
                    lookup[token] = id;
                }
                ids.Add(id);
            }
            seen.Clear();
            ForEachNGram(CollectionsMarshal.AsSpan(ids), options.NGramMin, options.NGramMax, key =>
            {
                if (!seen.Add(key)) return;
                ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(df, key, out var existed);
                if (!existed) firstSeen.Add(key);
                count++;
            });
        }
        var (terms, idf) = BuildColumns(firstSeen, df, documents.Count, options, EqualityComparer<ulong>.Default);
        return new TfidfVectorizer(options, unigrams, terms, new Dictionary<string, int>(), idf);
    }

    private static TfidfVectorizer FitChars(IReadOnlyList<string> documents, TfidfOptions options)
    {
        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        var lookup = df.GetAlternateLookup<ReadOnlySpan<char>>();
        var firstSeen = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var seenLookup = seen.GetAlternateLookup<ReadOnlySpan<char>>();
        var buffer = new char[256];
        foreach (var doc in documents)
        {
            seen.Clear();
            var text = options.Lowercase ? doc.ToLowerInvariant() : doc;
            ForEachCharGram(text, options.NGramMin, options.NGramMax, ref buffer, gram =>
            {
                if (!seenLookup.Add(gram)) return;
                if (lookup.TryGetValue(gram, out var count)) lookup[gram] = count + 1;
                else
                {
                    var s = gram.ToString();
                    df[s] = 1;
                    firstSeen.Add(s);
                }
            });
        }
        var (terms, idf) = BuildColumns(firstSeen, df, documents.Count, options, StringComparer.Ordinal);
        return new TfidfVectorizer(options, new Dictionary<string, int>(), new Dictionary<ulong, int>(), terms, idf);
    }

    // Keeps the terms that pass the document-frequency filters and numbers them in first-seen order, with their IDF.
    private static (Dictionary<T, int> Terms, float[] Idf) BuildColumns<T>(List<T> firstSeen, Dictionary<T, int> df, int documentCount,
        TfidfOptions options, IEqualityComparer<T> comparer) where T : notnull
    {
        var columns = SelectTerms(firstSeen, k => df[k], documentCount, options);
        var terms = new Dictionary<T, int>(columns.Count, comparer);
        var idf = new float[columns.Count];
        for (var c = 0; c < columns.Count; c++)
        {
            terms[columns[c]] = c;
            idf[c] = IdfWeight(documentCount, df[columns[c]]);
        }
        return (terms, idf);
    }

    private static List<T> SelectTerms<T>(List<T> firstSeen, Func<T, int> df, int documentCount, TfidfOptions options)
    {
        var maxDf = options.MaxDocumentFrequency >= 1.0 ? int.MaxValue : (int)Math.Floor(options.MaxDocumentFrequency * documentCount);
        var kept = firstSeen.Where(t => { var d = df(t); return d >= options.MinDocumentFrequency && d <= maxDf; }).ToList();
        if (options.MaxFeatures is { } max && kept.Count > max)
        {
            // Most frequent first; first appearance breaks ties so the choice is deterministic.
            var order = kept.Select((t, i) => (t, i)).OrderByDescending(x => df(x.t)).ThenBy(x => x.i).Take(max).OrderBy(x => x.i);
            kept = order.Select(x => x.t).ToList();
        }
        if (kept.Count == 0)
            throw new ConfigurationException($"No term occurs in at least {options.MinDocumentFrequency} documents: lower min_df or add text.");
        return kept;
    }

    private static float IdfWeight(int n, int df) => (float)(Math.Log((1.0 + n) / (1.0 + df)) + 1.0);

    /// <summary>Transforms documents into L2-normalised TF-IDF rows. Terms outside the vocabulary are ignored.</summary>
    public SparseMatrix Transform(IReadOnlyList<string> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        const int block = 512;
        var blocks = (documents.Count + block - 1) / block;
        var parts = new (List<int> Lengths, List<int> Indices, List<float> Values)[blocks];
        Parallelism.ForBlocks(documents.Count, block, (start, length) =>
        {
            var lengths = new List<int>(length);
            var indices = new List<int>(length * 32);
            var values = new List<float>(length * 32);
            var counts = new Dictionary<int, int>();
            var ids = new List<int>();
            var buffer = new char[256];
            for (var d = start; d < start + length; d++)
            {
                counts.Clear();
                CountTerms(documents[d], counts, ids, ref buffer);
                var cols = counts.Keys.ToArray();
                Array.Sort(cols);
                var before = values.Count;
                double norm = 0;
                foreach (var c in cols)
                {
                    var tf = counts[c];
                    var w = (_options.SublinearTf ? 1.0 + Math.Log(tf) : tf) * _idf[c];
                    indices.Add(c);
                    values.Add((float)w);
                    norm += w * w;
                }
                if (norm > 0)
                {
                    var inv = 1.0 / Math.Sqrt(norm);
                    for (var k = before; k < values.Count; k++) values[k] = (float)(values[k] * inv);
                }
                lengths.Add(cols.Length);
            }
            parts[start / block] = (lengths, indices, values);
        });
        var rowPointers = new long[documents.Count + 1];
        var total = parts.Sum(p => (long)p.Indices.Count);
        var allIndices = new int[total];
        var allValues = new float[total];
        long offset = 0;
        var row = 0;
        foreach (var (lengths, indices, values) in parts)
        {
            indices.CopyTo(allIndices, (int)offset);
            values.CopyTo(allValues, (int)offset);
            foreach (var len in lengths)
            {
                rowPointers[row + 1] = rowPointers[row] + len;
                row++;
            }
            offset += indices.Count;
        }
        return new SparseMatrix(_idf.Length, rowPointers, allIndices, allValues);
    }

    private void CountTerms(string doc, Dictionary<int, int> counts, List<int> ids, ref char[] buffer)
    {
        var text = _options.Lowercase ? doc.ToLowerInvariant() : doc;
        if (_options.Analyzer == TermAnalyzer.Word)
        {
            var lookup = _unigrams.GetAlternateLookup<ReadOnlySpan<char>>();
            ids.Clear();
            foreach (var (start, length) in WordSpans(text))
                ids.Add(lookup.TryGetValue(text.AsSpan(start, length), out var id) ? id : -1);
            var terms = _wordTerms;
            ForEachNGram(CollectionsMarshal.AsSpan(ids), _options.NGramMin, _options.NGramMax, key =>
            {
                if (terms.TryGetValue(key, out var col)) CollectionsMarshal.GetValueRefOrAddDefault(counts, col, out _)++;
            });
        }
        else
        {
            var lookup = _charTerms.GetAlternateLookup<ReadOnlySpan<char>>();
            ForEachCharGram(text, _options.NGramMin, _options.NGramMax, ref buffer, gram =>
            {
                if (lookup.TryGetValue(gram, out var col)) CollectionsMarshal.GetValueRefOrAddDefault(counts, col, out _)++;
            });
        }
    }

    private delegate void KeyAction(ulong key);

    private delegate void GramAction(ReadOnlySpan<char> gram);

    // Packs up to three unigram ids (each + 1, 21 bits) into one key; an id of -1 (unknown word) breaks the n-gram.
    private static void ForEachNGram(ReadOnlySpan<int> ids, int min, int max, KeyAction action)
    {
        for (var i = 0; i < ids.Length; i++)
        {
            ulong key = 0;
            for (var n = 1; n <= max && i + n <= ids.Length; n++)
            {
                var id = ids[i + n - 1];
                if (id < 0) break;
                key |= ((ulong)id + 1) << (IdBits * (n - 1));
                if (n >= min) action(key);
            }
        }
    }

    private static void ForEachCharGram(string text, int min, int max, ref char[] buffer, GramAction action)
    {
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i])) i++;
            if (i == start) break;
            var len = i - start + 2;
            if (buffer.Length < len) buffer = new char[len * 2];
            buffer[0] = ' ';
            text.AsSpan(start, i - start).CopyTo(buffer.AsSpan(1));
            buffer[len - 1] = ' ';
            var word = buffer.AsSpan(0, len);
            for (var n = min; n <= max; n++)
            {
                if (n > len) break;
                for (var s = 0; s + n <= len; s++) action(word.Slice(s, n));
                if (n == len) break; // a short padded word yields itself once (char_wb semantics)
            }
        }
    }

    /// <summary>Word tokens: maximal runs of word characters of length ≥ 2 (like the regex <c>\b\w\w+\b</c>).</summary>
    internal static IEnumerable<(int Start, int Length)> WordSpans(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && !IsWordChar(text[i])) i++;
            var start = i;
            while (i < text.Length && IsWordChar(text[i])) i++;
            if (i - start >= 2) yield return (start, i - start);
        }
    }

    private static bool IsWordChar(char c)
    {
        if (c < 128) return c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_';
        if (char.IsLetterOrDigit(c)) return true;
        var cat = char.GetUnicodeCategory(c);
        return cat is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.ConnectorPunctuation
            or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
    }
}
