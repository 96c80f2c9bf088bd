using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using Sift.Embeddings.Unicode;

namespace Sift.Embeddings;

/// <summary>
/// Turns a text into BERT input ids the way Hugging Face's uncased <c>BertTokenizer</c> does for all-MiniLM-L6-v2
/// (<see cref="BertNormalizer"/>; white space and punctuation split; WordPiece, a word of more than 100 characters
/// being [UNK]), then keeps the first <c>maxTokens</c> − 2 word pieces between [CLS] and [SEP], as
/// sentence-transformers does. A literal "[SEP]" in a text stays text (sentence-transformers would read it as the
/// separator): untrusted input cannot inject special tokens.
/// </summary>
/// <remarks>Thread-safe: the tokenizer is immutable.</remarks>
internal sealed partial class BertInputs
{
    // Microsoft.ML.Tokenizers stops before a word whose pieces do not all fit; a word yields at most this many pieces,
    // so asking for that many more and cutting here gives Hugging Face's cut inside a word.
    private const int MaxPiecesPerWord = 100;

    private readonly BertTokenizer _tokenizer;

    public BertInputs(byte[] vocabulary)
    {
        using var stream = new MemoryStream(vocabulary, writable: false);
        _tokenizer = BertTokenizer.Create(stream, new BertOptions
        {
            ApplyBasicTokenization = true,
            LowerCaseBeforeTokenization = true,
            SplitOnSpecialTokens = false,
            Normalizer = new BertNormalizer(),
            PreTokenizer = new RegexPreTokenizer(WordOrPunctuation(), null),
        });
    }

    public int ClassificationTokenId => _tokenizer.ClassificationTokenId;

    public int SeparatorTokenId => _tokenizer.SeparatorTokenId;

    /// <summary>Input ids of <paramref name="text"/>: [CLS], at most <paramref name="maxTokens"/> − 2 word pieces, [SEP].</summary>
    public int[] Encode(string text, int maxTokens)
    {
        var budget = maxTokens - 2;
        var pieces = text.Length == 0
            ? []
            : _tokenizer.EncodeToIds(text, budget + MaxPiecesPerWord, addSpecialTokens: false, out _, out _);
        var count = Math.Min(budget, pieces.Count);
        var ids = new int[count + 2];
        ids[0] = ClassificationTokenId;
        for (var i = 0; i < count; i++) ids[i + 1] = pieces[i];
        ids[count + 1] = SeparatorTokenId;
        return ids;
    }

    // Hugging Face's BasicTokenizer: split on white space, and every punctuation character is a word of its own —
    // Unicode P* and the ASCII symbols $ + < = > ^ ` | ~. The library's default ("\w+|\p{P}") would drop those symbols
    // and every other non-word character (emoji, ², the vowel signs of Indic scripts) instead.
    [GeneratedRegex(@"[^\s\p{P}$+<=>^`|~]+|[\p{P}$+<=>^`|~]", RegexOptions.CultureInvariant)]
    private static partial Regex WordOrPunctuation();
}
