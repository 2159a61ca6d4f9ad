using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ClinicChat.Articles;

/// <summary>URL names for articles and categories: lowercase ASCII letters, digits and single hyphens.</summary>
public static partial class Slugs
{
    public const int MaxLength = 80;

    /// <summary>The slug a title suggests; "artikel" when nothing of it survives folding (an all-emoji title).</summary>
    public static string FromTitle(string title, string fallback = "artikel")
    {
        var builder = new StringBuilder(Math.Min(title.Length, MaxLength * 2));
        var pendingHyphen = false;
        foreach (var c in title.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue; // the accent of a decomposed letter: "é" becomes "e"
            }

            var folded = Fold(char.ToLowerInvariant(c));
            if (folded is null)
            {
                pendingHyphen = builder.Length > 0;
                continue;
            }

            if (pendingHyphen)
            {
                builder.Append('-');
                pendingHyphen = false;
            }

            builder.Append(folded);
            if (builder.Length >= MaxLength)
            {
                break;
            }
        }

        var slug = builder.ToString();
        if (slug.Length > MaxLength)
        {
            slug = slug[..MaxLength];
        }

        slug = slug.Trim('-');
        return slug.Length == 0 ? fallback : slug;
    }

    public static bool IsValid(string slug) => slug.Length <= MaxLength && Pattern().IsMatch(slug);

    /// <summary>"slug", then "slug-2", "slug-3"...: kept within the length limit.</summary>
    public static string WithSuffix(string slug, int number)
    {
        if (number < 2)
        {
            return slug;
        }

        var suffix = "-" + number.ToString(CultureInfo.InvariantCulture);
        var stem = slug.Length + suffix.Length > MaxLength ? slug[..(MaxLength - suffix.Length)].TrimEnd('-') : slug;
        return stem + suffix;
    }

    // Letters that do not decompose into an ASCII letter and a mark.
    private static string? Fold(char c) => c switch
    {
        >= 'a' and <= 'z' or >= '0' and <= '9' => c.ToString(),
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'đ' or 'ð' => "d",
        'ł' => "l",
        'ı' => "i",
        'þ' => "th",
        _ => null,
    };

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
