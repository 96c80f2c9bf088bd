using System.Text;

namespace Sift.DemoCorpus.Tests;

public sealed class CharsetDecoderTests
{
    [Theory]
    [InlineData("big5")]
    [InlineData("CHINESEBIG5")]
    [InlineData("gb2312")]
    [InlineData("GB2312_CHARSET")]
    [InlineData("ks_c_5601-1987")]
    [InlineData("euc-kr")]
    [InlineData("iso-2022-jp")]
    [InlineData("koi8-r")]
    [InlineData("windows-1251")]
    [InlineData("\"iso-8859-2\"")]
    public void Find_CharsetsOfTheCorpus_Known(string name)
    {
        CharsetDecoder.Find(name).ShouldNotBeNull();
    }

    [Theory]
    [InlineData("default")]
    [InlineData("unknown-8bit")]
    public void Find_NamesThatSayNothing_Null(string name)
    {
        CharsetDecoder.Find(name).ShouldBeNull();
    }

    [Fact]
    public void Decode_UndeclaredNonUtf8Bytes_Windows1252NeverReplacement()
    {
        var all = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();

        var text = CharsetDecoder.Decode(all, null, out var route);

        route.ShouldBe(DecodeRoute.GuessedWindows1252);
        text.ShouldNotContain('\uFFFD');
        text.Length.ShouldBe(256);
    }

    [Fact]
    public void Decode_Iso2022Jp_SevenBitEscapesDecoded()
    {
        var encoding = CharsetDecoder.Find("iso-2022-jp")!;
        var bytes = encoding.GetBytes("日本語");

        CharsetDecoder.Decode(bytes, encoding, out var route).ShouldBe("日本語");
        route.ShouldBe(DecodeRoute.Declared);
    }
}
