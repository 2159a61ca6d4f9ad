using System.Text;
using Markdig;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ClinicChat.Articles;

/// <summary>
/// Renders article Markdown to HTML that the web client may insert as-is. Raw HTML is disabled (it comes out as
/// text), no extension that adds attributes is enabled, and link and image URLs whose scheme is not http, https,
/// mailto or tel are dropped: Markdig keeps <c>javascript:</c>, <c>data:</c> and <c>vbscript:</c> URLs on its own.
/// </summary>
public static class ArticleMarkdown
{
    public const int ExcerptLength = 200;

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseEmphasisExtras()
        .UsePipeTables()
        .UseListExtras()
        .UseAutoLinks()
        .UseReferralLinks("nofollow", "noopener", "noreferrer")
        .Build();

    private static readonly string[] SafeSchemes = ["http", "https", "mailto", "tel"];

    public static string ToHtml(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        NeutraliseUnsafeUrls(document);
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }

    /// <summary>The opening words as plain text, for lists: what a reader sees, without Markdown syntax.</summary>
    public static string Excerpt(string markdown)
    {
        var text = Markdown.ToPlainText(markdown, Pipeline);
        var collapsed = new StringBuilder(Math.Min(text.Length, ExcerptLength + 1));
        var lastWasSpace = true;
        foreach (var c in text)
        {
            var space = char.IsWhiteSpace(c);
            if (space && lastWasSpace)
            {
                continue;
            }

            collapsed.Append(space ? ' ' : c);
            lastWasSpace = space;
            if (collapsed.Length > ExcerptLength)
            {
                break;
            }
        }

        var excerpt = collapsed.ToString().TrimEnd();
        if (excerpt.Length <= ExcerptLength)
        {
            return excerpt;
        }

        var cut = excerpt.LastIndexOf(' ', ExcerptLength - 1);
        return excerpt[..(cut > ExcerptLength / 2 ? cut : ExcerptLength - 1)].TrimEnd() + "…";
    }

    /// <summary>Whether a link or image URL may reach the browser: relative, or one of the allowed schemes.</summary>
    public static bool IsSafeUrl(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return true;
        }

        // Browsers drop ASCII tab and newline anywhere in a URL and control characters and spaces around it, so
        // "java\tscript:" runs as javascript:. Compare without them.
        var compact = new StringBuilder(url.Length);
        foreach (var c in url)
        {
            if (c > ' ' && c != '\u007f')
            {
                compact.Append(c);
            }
        }

        var value = compact.ToString();
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return true;
        }

        var delimiter = value.IndexOfAny(['/', '?', '#']);
        if (delimiter >= 0 && delimiter < colon)
        {
            return true; // a relative path, query or fragment that merely contains a colon
        }

        var scheme = value[..colon];
        return SafeSchemes.Any(s => s.Equals(scheme, StringComparison.OrdinalIgnoreCase));
    }

    private static void NeutraliseUnsafeUrls(MarkdownDocument document)
    {
        // Collected first: the loop changes the tree it walks.
        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            if (!IsSafeUrl(autolink.Url))
            {
                autolink.ReplaceBy(new LiteralInline(autolink.Url));
            }
        }

        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            if (!IsSafeUrl(link.Url) || (link.GetDynamicUrl is { } dynamic && !IsSafeUrl(dynamic())))
            {
                Unwrap(link);
            }
        }
    }

    /// <summary>Keeps a link's text (or an image's alt text) in its place, without the link.</summary>
    private static void Unwrap(ContainerInline container)
    {
        var child = container.FirstChild;
        while (child is not null)
        {
            var next = child.NextSibling;
            child.Remove();
            container.InsertBefore(child);
            child = next;
        }

        container.Remove();
    }
}
