using ClinicChat.Infrastructure;

namespace ClinicChat.Articles;

public static class ArticleStatuses
{
    public const string Draft = "draft";
    public const string Published = "published";

    /// <summary>Shown to admins only: published with a publish time still in the future, so not yet public.</summary>
    public const string Scheduled = "scheduled";
}

public sealed record ArticleCategoryRef(Guid Id, string Slug, string Name);

/// <summary>A published article in a list: the excerpt is plain text.</summary>
public sealed record ArticleSummaryDto(
    Guid Id,
    string Slug,
    string Title,
    string Excerpt,
    ArticleCategoryRef? Category,
    string AuthorName,
    DateTimeOffset PublishedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A published article for readers: <see cref="Html"/> is rendered and made safe by the server.</summary>
public sealed record ArticleDto(
    Guid Id,
    string Slug,
    string Title,
    string Html,
    ArticleCategoryRef? Category,
    string AuthorName,
    DateTimeOffset PublishedAt,
    DateTimeOffset UpdatedAt);

public sealed record ArticlePage(IReadOnlyList<ArticleSummaryDto> Items, string? NextCursor);

/// <summary>An article as admins edit it: the Markdown source beside its rendering, drafts included.</summary>
public sealed record AdminArticleDto(
    Guid Id,
    string Slug,
    string Title,
    string Body,
    string Html,
    string Excerpt,
    ArticleCategoryRef? Category,
    string Status,
    DateTimeOffset? PublishedAt,
    Guid AuthorId,
    string AuthorName,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>An article in the admin list: no body, so a page of long articles stays small.</summary>
public sealed record AdminArticleSummaryDto(
    Guid Id,
    string Slug,
    string Title,
    string Excerpt,
    ArticleCategoryRef? Category,
    string Status,
    DateTimeOffset? PublishedAt,
    string AuthorName,
    DateTimeOffset UpdatedAt);

public sealed record AdminArticlePage(IReadOnlyList<AdminArticleSummaryDto> Items, string? NextCursor);

public sealed record ArticleCategoryDto(Guid Id, string Slug, string Name, int PublishedCount);

public sealed record AdminArticleCategoryDto(Guid Id, string Slug, string Name, int ArticleCount, int PublishedCount, DateTimeOffset CreatedAt);

/// <summary>Create or edit. A missing slug is generated from the title on create and kept as it was on edit.</summary>
public sealed record ArticleRequest(string? Title, string? Slug, Guid? CategoryId, [MultilineText] string? Body);

/// <summary>Publish now (no publishAt) or at a future time, before which the article stays hidden.</summary>
public sealed record PublishRequest(DateTimeOffset? PublishAt);

public sealed record PreviewRequest([MultilineText] string? Body);

public sealed record PreviewDto(string Html);

public sealed record ArticleCategoryRequest(string? Name, string? Slug);

/// <summary>The refusals several article routes share.</summary>
public static class ArticleFailures
{
    public static readonly Failure ArticleNotFound = Failure.NotFound("article.not_found", "Article");

    public static readonly Failure CategoryNotFound = Failure.NotFound("article_category.not_found", "Category");
}
