using System.Text.RegularExpressions;
using ClinicChat.Articles;

namespace ClinicChat.Tests.Articles;

/// <summary>
/// The rendered HTML goes into the page as-is, so these check the renderer itself: raw HTML comes out as text and
/// no link or image keeps a script-running or inline-data URL, however it is spelled.
/// </summary>
public sealed partial class MarkdownSafetyTests
{
    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("Teks <script>alert(1)</script> di tengah paragraf.")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("<iframe src=\"https://evil.example\"></iframe>")]
    [InlineData("<a href=\"javascript:alert(1)\">klik</a>")]
    [InlineData("<div style=\"background:url(javascript:alert(1))\">x</div>")]
    public void RawHtmlComesOutAsText(string markdown)
    {
        var html = ArticleMarkdown.ToHtml(markdown);

        Assert.DoesNotMatch("<(script|img|iframe|a|div)[\\s>]", html);
        Assert.Contains("&lt;", html);
    }

    [Theory]
    [InlineData("[klik](javascript:alert(1))")]
    [InlineData("[klik](JaVaScRiPt:alert(1))")]
    [InlineData("[klik](  javascript:alert(1))")]
    [InlineData("[klik](java&#x09;script:alert(1))")]
    [InlineData("[klik](&#106;avascript:alert(1))")]
    [InlineData("[klik](<javascript:alert(1)>)")]
    [InlineData("[klik](vbscript:msgbox(1))")]
    [InlineData("[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    [InlineData("[klik][1]\n\n[1]: javascript:alert(1)")]
    [InlineData("[klik]\n\n[klik]: vbscript:msgbox(1)")]
    public void UnsafeLinksKeepTheirTextButLoseTheLink(string markdown)
    {
        var html = ArticleMarkdown.ToHtml(markdown);

        Assert.DoesNotContain("<a", html);
        Assert.Contains("klik", html);
        AssertEveryUrlIsSafe(html);
    }

    [Theory]
    [InlineData("![foto](javascript:alert(1))")]
    [InlineData("![foto](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)")]
    [InlineData("![foto](DATA:image/png;base64,AAAA)")]
    [InlineData("[![foto](data:image/png;base64,AAAA)](javascript:alert(1))")]
    public void UnsafeImagesBecomeTheirAltText(string markdown)
    {
        var html = ArticleMarkdown.ToHtml(markdown);

        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<a", html);
        Assert.Contains("foto", html);
        AssertEveryUrlIsSafe(html);
    }

    [Fact]
    public void AnAutolinkWithAScriptSchemeIsShownAsText()
    {
        var html = ArticleMarkdown.ToHtml("Lihat <javascript:alert(1)> dan <https://kemkes.go.id>.");

        Assert.Contains("javascript:alert(1)", html);
        Assert.Single(Attributes().Matches(html));
        Assert.Contains("href=\"https://kemkes.go.id\"", html);
        AssertEveryUrlIsSafe(html);
    }

    [Fact]
    public void SafeLinksImagesAndFormattingAreKept()
    {
        var html = ArticleMarkdown.ToHtml("""
            ## Gejala

            Baca **panduan** di [Kemenkes](https://kemkes.go.id "Situs resmi"), [dokter kami](/doctors),
            [email](mailto:info@clinic.test) atau ![grafik](/images/grafik.png).

            | Usia | Vaksin |
            | --- | --- |
            | 0 bulan | BCG |
            """);

        Assert.Contains("<h2>Gejala</h2>", html);
        Assert.Contains("<strong>panduan</strong>", html);
        Assert.Contains("href=\"https://kemkes.go.id\"", html);
        Assert.Contains("rel=\"nofollow noopener noreferrer\"", html);
        Assert.Contains("href=\"/doctors\"", html);
        Assert.Contains("href=\"mailto:info@clinic.test\"", html);
        Assert.Contains("<img src=\"/images/grafik.png\" alt=\"grafik\"", html);
        Assert.Contains("<table>", html);
    }

    [Fact]
    public void AttributeSyntaxIsNotAnExtensionHere()
    {
        var html = ArticleMarkdown.ToHtml("# Judul {onclick=\"alert(1)\"}\n\n[x](https://a.example){onmouseover=alert(1)}");

        // The braces stay as text; no tag gets an event handler attribute.
        Assert.Contains("{onclick=&quot;alert(1)&quot;}", html);
        Assert.DoesNotMatch("<[^>]*\\son\\w+\\s*=", html);
    }

    [Theory]
    [InlineData("https://kemkes.go.id", true)]
    [InlineData("HTTP://kemkes.go.id", true)]
    [InlineData("/articles/demam", true)]
    [InlineData("demam#gejala", true)]
    [InlineData("/a:b", true)]
    [InlineData("?next=javascript:x", true)]
    [InlineData("tel:+62211234", true)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("\u0001javascript:alert(1)", false)]
    [InlineData("java\nscript:alert(1)", false)]
    [InlineData("data:image/png;base64,AAAA", false)]
    [InlineData("vbscript:x", false)]
    [InlineData("file:///etc/passwd", false)]
    public void UrlsAreJudgedByTheirScheme(string url, bool safe) => Assert.Equal(safe, ArticleMarkdown.IsSafeUrl(url));

    [Fact]
    public void TheExcerptIsPlainTextCutAtAWord()
    {
        var excerpt = ArticleMarkdown.Excerpt("## Demam\n\nDemam adalah **reaksi** tubuh. [Baca](https://a.example) " + string.Concat(Enumerable.Repeat("lagi dan ", 60)));

        Assert.StartsWith("Demam Demam adalah reaksi tubuh. Baca lagi", excerpt);
        Assert.EndsWith("…", excerpt);
        Assert.True(excerpt.Length <= ArticleMarkdown.ExcerptLength + 1, excerpt);
        Assert.DoesNotContain("**", excerpt);
    }

    private static void AssertEveryUrlIsSafe(string html)
    {
        foreach (Match match in Attributes().Matches(html))
        {
            var url = System.Net.WebUtility.HtmlDecode(match.Groups["url"].Value);
            Assert.True(ArticleMarkdown.IsSafeUrl(url), $"Unsafe URL survived: {url} in {html}");
            Assert.DoesNotMatch("(?i)^\\s*(javascript|data|vbscript):", url);
        }
    }

    [GeneratedRegex("(?:href|src)=\"(?<url>[^\"]*)\"")]
    private static partial Regex Attributes();
}
