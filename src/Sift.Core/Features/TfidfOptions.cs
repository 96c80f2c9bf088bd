namespace Sift.Features;

/// <summary>How text is cut into terms.</summary>
public enum TermAnalyzer
{
    /// <summary>Word n-grams; a word is a run of two or more letters, digits or underscores (scikit-learn's default token pattern).</summary>
    Word,

    /// <summary>Character n-grams inside word boundaries, each word padded with one space (scikit-learn's <c>char_wb</c>).</summary>
    CharWithinWords,
}

/// <summary>TF-IDF settings. Defaults match the reference pipeline: word 1–2-grams, sublinear TF, min_df 2, L2 rows.</summary>
public sealed record TfidfOptions
{
    /// <summary>Word or character n-grams. Default <see cref="TermAnalyzer.Word"/>.</summary>
    public TermAnalyzer Analyzer { get; init; } = TermAnalyzer.Word;

    /// <summary>Smallest n-gram length. Default 1 (words) — use 3 for characters.</summary>
    public int NGramMin { get; init; } = 1;

    /// <summary>Largest n-gram length. Default 2 (words) — use 5 for characters. Word n-grams go up to 3.</summary>
    public int NGramMax { get; init; } = 2;

    /// <summary>Keep terms that occur in at least this many documents. Default 2.</summary>
    public int MinDocumentFrequency { get; init; } = 2;

    /// <summary>Drop terms that occur in more than this share of documents. Default 1.0 (keep all).</summary>
    public double MaxDocumentFrequency { get; init; } = 1.0;

    /// <summary>Use 1 + ln(tf) instead of raw counts. Default true.</summary>
    public bool SublinearTf { get; init; } = true;

    /// <summary>Lower-case text before tokenising. Default true.</summary>
    public bool Lowercase { get; init; } = true;

    /// <summary>Keep only the most frequent terms (by document frequency) when set.</summary>
    public int? MaxFeatures { get; init; }

    /// <summary>Character-analyzer defaults: 3–5-grams within words.</summary>
    public static TfidfOptions CharacterDefaults => new() { Analyzer = TermAnalyzer.CharWithinWords, NGramMin = 3, NGramMax = 5 };

    /// <summary>Checks ranges; throws <see cref="ConfigurationException"/> with the option at fault.</summary>
    public void Validate()
    {
        if (NGramMin < 1 || NGramMax < NGramMin)
            throw new ConfigurationException($"n-gram range {NGramMin}–{NGramMax} is invalid: need 1 ≤ min ≤ max.");
        if (Analyzer == TermAnalyzer.Word && NGramMax > 3)
            throw new ConfigurationException($"word n-grams go up to 3, not {NGramMax}.");
        if (Analyzer == TermAnalyzer.CharWithinWords && NGramMax > 10)
            throw new ConfigurationException($"character n-grams go up to 10, not {NGramMax}.");
        if (MinDocumentFrequency < 1) throw new ConfigurationException("min_df must be at least 1.");
        if (MaxDocumentFrequency is <= 0 or > 1) throw new ConfigurationException("max_df must be in (0, 1].");
        if (MaxFeatures is < 1) throw new ConfigurationException("max_features must be at least 1.");
    }
}
