namespace Sift.DemoCorpus.Tests;

public sealed class TextShaperTests
{
    [Fact]
    public void Normalise_MixedWhiteSpaceAndInvisibleCharacters_OneSpaceOneBlankLineNothingInvisible()
    {
        var text = TextShaper.Normalise("  a\t\tb\u00A0c\u200Bd\u0007e\uFFFDf  \r\n\r\n\r\n\r\n  g \rh\n\n");

        text.ShouldBe("a b cdef\n\ng\nh");
    }

    [Fact]
    public void Cut_ShortText_Unchanged()
    {
        var text = new string('x', TextShaper.MaxLength);

        TextShaper.Cut(text, out var cut).ShouldBe(text);
        cut.ShouldBeFalse();
    }

    [Fact]
    public void Cut_LongText_AtTheLastSpaceWithMarkerWithinTheCap()
    {
        var words = string.Join(' ', Enumerable.Range(0, 2000).Select(i => $"w{i:D4}"));

        var text = TextShaper.Cut(words, out var cut);

        cut.ShouldBeTrue();
        text.Length.ShouldBeLessThanOrEqualTo(TextShaper.MaxLength);
        text.ShouldEndWith(TextShaper.CutMarker);
        var kept = text[..^TextShaper.CutMarker.Length];
        words.ShouldStartWith(kept + " ");
        kept.Split(' ').ShouldAllBe(w => w.Length == 5);
        kept.Length.ShouldBeGreaterThan(TextShaper.MaxLength - 10);
    }

    [Fact]
    public void Cut_LongTextWithoutSpaces_AtTheCapNeverInsideASurrogatePair()
    {
        var limit = TextShaper.MaxLength - TextShaper.CutMarker.Length;
        var text = new string('x', limit - 1) + "😀" + new string('y', 500);

        var result = TextShaper.Cut(text, out _);

        result.ShouldBe(new string('x', limit - 1) + TextShaper.CutMarker);
        result.Length.ShouldBeLessThanOrEqualTo(TextShaper.MaxLength);
    }
}
