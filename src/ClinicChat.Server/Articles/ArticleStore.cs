using ClinicChat.Audit;
using ClinicChat.Infrastructure;
using Dapper;
using Npgsql;

namespace ClinicChat.Articles;

/// <summary>
/// Articles and their categories. Readers see an article once it is published and its publish time has passed
/// (by the injected clock); admins see everything. Every admin change is audited.
/// </summary>
public sealed class ArticleStore(NpgsqlDataSource dataSource, TimeProvider time, AuditLog audit)
{
    public const int AdminDefaultLimit = 50;
    public const int AdminMaxLimit = 100;

    // A generated slug that loses a race to a concurrent insert is regenerated; this bounds the retries.
    private const int SlugAttempts = 5;

    // Lists leave the body out: a page of long articles would otherwise carry every one of them whole.
    private const string SummaryColumns = """
        a.id, a.slug, a.title, a.excerpt, a.status, a.published_at, a.author_id, a.created_at, a.updated_at,
        c.id as category_id, c.slug as category_slug, c.name as category_name, u.display_name as author_name
        """;

    private const string ArticleColumns = SummaryColumns + ", a.body";

    private const string ArticleJoins = """
        from articles a
        join users u on u.id = a.author_id
        left join article_categories c on c.id = a.category_id
        """;

    public async Task<ArticlePage> ListPublishedAsync(string? categorySlug, string? q, int limit, ArticleCursor? after, CancellationToken cancellationToken)
    {
        var conditions = new List<string> { "a.status = 'published'", "a.published_at <= @Now" };
        if (categorySlug is not null)
        {
            conditions.Add("c.slug = @Category");
        }

        if (q is not null)
        {
            conditions.Add("a.search @@ websearch_to_tsquery('simple', @Q)");
        }

        if (after is not null)
        {
            conditions.Add("(a.published_at, a.id) < (@AfterAt, @AfterId)");
        }

        var sql = $"""
            select {SummaryColumns}
            {ArticleJoins}
            where {string.Join(" and ", conditions)}
            order by a.published_at desc, a.id desc
            limit @Take
            """;
        var args = new { Now = time.GetUtcNow(), Category = categorySlug, Q = q, AfterAt = after?.At, AfterId = after?.Id, Take = limit + 1 };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<ArticleRow>(new CommandDefinition(sql, args, cancellationToken: cancellationToken))).AsList();
        var hasMore = rows.Count > limit;
        var page = rows.Take(limit).ToList();
        return new ArticlePage(
            [.. page.Select(r => r.ToSummary())],
            hasMore ? new ArticleCursor(page[^1].PublishedAt!.Value, page[^1].Id).Encode() : null);
    }

    public async Task<ArticleDto?> FindPublishedAsync(string slug, CancellationToken cancellationToken)
    {
        const string sql = $"""
            select {ArticleColumns}
            {ArticleJoins}
            where a.slug = @Slug and a.status = 'published' and a.published_at <= @Now
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ArticleRow>(new CommandDefinition(sql,
            new { Slug = slug, Now = time.GetUtcNow() }, cancellationToken: cancellationToken));
        return row?.ToPublic();
    }

    /// <summary>Categories that have something to read right now.</summary>
    public async Task<IReadOnlyList<ArticleCategoryDto>> ListPublicCategoriesAsync(CancellationToken cancellationToken)
    {
        const string sql = """
            select c.id, c.slug, c.name, count(a.id)::int as published_count
            from article_categories c
            join articles a on a.category_id = c.id and a.status = 'published' and a.published_at <= @Now
            group by c.id
            order by c.name, c.id
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<ArticleCategoryDto>(new CommandDefinition(sql,
            new { Now = time.GetUtcNow() }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<AdminArticlePage> ListAllAsync(string? status, string? q, int limit, ArticleCursor? after, CancellationToken cancellationToken)
    {
        var conditions = new List<string>();
        switch (status)
        {
            case ArticleStatuses.Draft:
                conditions.Add("a.status = 'draft'");
                break;
            case ArticleStatuses.Scheduled:
                conditions.Add("a.status = 'published' and a.published_at > @Now");
                break;
            case ArticleStatuses.Published:
                conditions.Add("a.status = 'published' and a.published_at <= @Now");
                break;
        }

        if (q is not null)
        {
            conditions.Add("a.search @@ websearch_to_tsquery('simple', @Q)");
        }

        if (after is not null)
        {
            conditions.Add("(a.updated_at, a.id) < (@AfterAt, @AfterId)");
        }

        var sql = $"""
            select {SummaryColumns}
            {ArticleJoins}
            {(conditions.Count == 0 ? "" : "where " + string.Join(" and ", conditions))}
            order by a.updated_at desc, a.id desc
            limit @Take
            """;
        var now = time.GetUtcNow();
        var args = new { Now = now, Q = q, AfterAt = after?.At, AfterId = after?.Id, Take = limit + 1 };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<ArticleRow>(new CommandDefinition(sql, args, cancellationToken: cancellationToken))).AsList();
        var hasMore = rows.Count > limit;
        var page = rows.Take(limit).ToList();
        return new AdminArticlePage(
            [.. page.Select(r => r.ToAdminSummary(now))],
            hasMore ? new ArticleCursor(page[^1].UpdatedAt, page[^1].Id).Encode() : null);
    }

    public async Task<AdminArticleDto?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, id, cancellationToken);
    }

    public async Task<Outcome<AdminArticleDto>> CreateAsync(string title, string? slug, Guid? categoryId, string body, Guid actorId, CancellationToken cancellationToken)
    {
        const string sql = """
            insert into articles (id, category_id, title, slug, body, excerpt, status, author_id, created_at, updated_at)
            values (@Id, @CategoryId, @Title, @Slug, @Body, @Excerpt, 'draft', @AuthorId, @Now, @Now)
            """;
        var id = Guid.CreateVersion7();
        var excerpt = ArticleMarkdown.Excerpt(body);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var chosen = slug ?? await FreeSlugAsync(connection, "articles", Slugs.FromTitle(title), cancellationToken);
            var args = new { Id = id, CategoryId = categoryId, Title = title, Slug = chosen, Body = body, Excerpt = excerpt, AuthorId = actorId, Now = time.GetUtcNow() };
            try
            {
                await connection.ExecuteAsync(new CommandDefinition(sql, args, cancellationToken: cancellationToken));
            }
            catch (PostgresException e) when (IsSlugTaken(e, "articles_slug_key") && (slug is null && attempt < SlugAttempts))
            {
                continue;
            }
            catch (PostgresException e) when (IsSlugTaken(e, "articles_slug_key"))
            {
                return SlugClash(chosen);
            }
            catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.ForeignKeyViolation, ConstraintName: "articles_category_id_fkey" })
            {
                return UnknownCategory();
            }

            await audit.WriteAsync(connection, null, actorId, "article.created", "article", id.ToString(), new { slug = chosen }, cancellationToken);
            return (await FindAsync(connection, id, cancellationToken))!;
        }
    }

    /// <summary>Edits the content; a null slug keeps the article's address, so links to it stay valid.</summary>
    public async Task<Outcome<AdminArticleDto>> UpdateAsync(Guid id, string title, string? slug, Guid? categoryId, string body, Guid actorId, CancellationToken cancellationToken)
    {
        const string sql = """
            update articles
            set title = @Title, slug = coalesce(@Slug, slug), category_id = @CategoryId, body = @Body, excerpt = @Excerpt, updated_at = @Now
            where id = @Id
            returning slug
            """;
        var args = new { Id = id, Title = title, Slug = slug, CategoryId = categoryId, Body = body, Excerpt = ArticleMarkdown.Excerpt(body), Now = time.GetUtcNow() };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        string? stored;
        try
        {
            stored = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(sql, args, cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (IsSlugTaken(e, "articles_slug_key"))
        {
            return SlugClash(slug!);
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.ForeignKeyViolation, ConstraintName: "articles_category_id_fkey" })
        {
            return UnknownCategory();
        }

        if (stored is null)
        {
            return ArticleFailures.ArticleNotFound;
        }

        await audit.WriteAsync(connection, null, actorId, "article.updated", "article", id.ToString(), new { slug = stored }, cancellationToken);
        return (await FindAsync(connection, id, cancellationToken))!;
    }

    /// <summary>Draft to published, now or at a future time (hidden until then).</summary>
    public async Task<Outcome<AdminArticleDto>> PublishAsync(Guid id, DateTimeOffset? publishAt, Guid actorId, CancellationToken cancellationToken)
    {
        var at = publishAt ?? time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "update articles set status = 'published', published_at = @At where id = @Id and status = 'draft'",
            new { Id = id, At = at }, cancellationToken: cancellationToken));
        if (changed == 0)
        {
            return await FindAsync(connection, id, cancellationToken) is null
                ? ArticleFailures.ArticleNotFound
                : Failure.Conflict("article.already_published", "The article is already published or scheduled; unpublish it first to change its publish time.");
        }

        await audit.WriteAsync(connection, null, actorId, "article.published", "article", id.ToString(), new { publishedAt = at }, cancellationToken);
        return (await FindAsync(connection, id, cancellationToken))!;
    }

    /// <summary>Back to draft: gone from the public list and address at once.</summary>
    public async Task<Outcome<AdminArticleDto>> UnpublishAsync(Guid id, Guid actorId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "update articles set status = 'draft', published_at = null where id = @Id and status = 'published'",
            new { Id = id }, cancellationToken: cancellationToken));
        if (changed == 0)
        {
            return await FindAsync(connection, id, cancellationToken) is null
                ? ArticleFailures.ArticleNotFound
                : Failure.Conflict("article.already_draft", "The article is a draft already.");
        }

        await audit.WriteAsync(connection, null, actorId, "article.unpublished", "article", id.ToString(), null, cancellationToken);
        return (await FindAsync(connection, id, cancellationToken))!;
    }

    public async Task<bool> DeleteAsync(Guid id, Guid actorId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var slug = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "delete from articles where id = @Id returning slug", new { Id = id }, cancellationToken: cancellationToken));
        if (slug is null)
        {
            return false;
        }

        await audit.WriteAsync(connection, null, actorId, "article.deleted", "article", id.ToString(), new { slug }, cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<AdminArticleCategoryDto>> ListCategoriesAsync(CancellationToken cancellationToken)
    {
        const string sql = """
            select c.id, c.slug, c.name,
                   count(a.id)::int as article_count,
                   (count(a.id) filter (where a.status = 'published' and a.published_at <= @Now))::int as published_count,
                   c.created_at
            from article_categories c
            left join articles a on a.category_id = c.id
            group by c.id
            order by c.name, c.id
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<CategoryRow>(new CommandDefinition(sql,
            new { Now = time.GetUtcNow() }, cancellationToken: cancellationToken))).Select(r => r.ToDto()).ToList();
    }

    public async Task<Outcome<AdminArticleCategoryDto>> CreateCategoryAsync(string name, string? slug, Guid actorId, CancellationToken cancellationToken)
    {
        const string sql = "insert into article_categories (id, name, slug, created_at) values (@Id, @Name, @Slug, @Now)";
        var id = Guid.CreateVersion7();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var chosen = slug ?? await FreeSlugAsync(connection, "article_categories", Slugs.FromTitle(name, "kategori"), cancellationToken);
            try
            {
                await connection.ExecuteAsync(new CommandDefinition(sql,
                    new { Id = id, Name = name, Slug = chosen, Now = time.GetUtcNow() }, cancellationToken: cancellationToken));
            }
            catch (PostgresException e) when (IsSlugTaken(e, "article_categories_slug_key") && (slug is null && attempt < SlugAttempts))
            {
                continue;
            }
            catch (PostgresException e) when (IsSlugTaken(e, "article_categories_slug_key"))
            {
                return SlugClash(chosen);
            }

            await audit.WriteAsync(connection, null, actorId, "article_category.created", "article_category", id.ToString(), new { slug = chosen }, cancellationToken);
            return await FindCategoryAsync(connection, id, cancellationToken);
        }
    }

    public async Task<Outcome<AdminArticleCategoryDto>> UpdateCategoryAsync(Guid id, string name, string? slug, Guid actorId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        string? stored;
        try
        {
            stored = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                "update article_categories set name = @Name, slug = coalesce(@Slug, slug) where id = @Id returning slug",
                new { Id = id, Name = name, Slug = slug }, cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (IsSlugTaken(e, "article_categories_slug_key"))
        {
            return SlugClash(slug!);
        }

        if (stored is null)
        {
            return ArticleFailures.CategoryNotFound;
        }

        await audit.WriteAsync(connection, null, actorId, "article_category.updated", "article_category", id.ToString(), new { slug = stored }, cancellationToken);
        return await FindCategoryAsync(connection, id, cancellationToken);
    }

    /// <summary>Only an empty category can go: its articles are moved or deleted first, never orphaned silently.</summary>
    public async Task<Outcome<bool>> DeleteCategoryAsync(Guid id, Guid actorId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        string? slug;
        try
        {
            slug = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                "delete from article_categories where id = @Id returning slug", new { Id = id }, cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.ForeignKeyViolation, ConstraintName: "articles_category_id_fkey" })
        {
            return Failure.Conflict("article_category.not_empty", "The category still has articles; move them to another category or delete them first.");
        }

        if (slug is null)
        {
            return ArticleFailures.CategoryNotFound;
        }

        await audit.WriteAsync(connection, null, actorId, "article_category.deleted", "article_category", id.ToString(), new { slug }, cancellationToken);
        return true;
    }

    private async Task<AdminArticleDto?> FindAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken)
    {
        const string sql = $"""
            select {ArticleColumns}
            {ArticleJoins}
            where a.id = @Id
            """;
        var row = await connection.QuerySingleOrDefaultAsync<ArticleRow>(new CommandDefinition(sql, new { Id = id }, cancellationToken: cancellationToken));
        return row?.ToAdmin(time.GetUtcNow());
    }

    private async Task<AdminArticleCategoryDto> FindCategoryAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken)
    {
        const string sql = """
            select c.id, c.slug, c.name,
                   count(a.id)::int as article_count,
                   (count(a.id) filter (where a.status = 'published' and a.published_at <= @Now))::int as published_count,
                   c.created_at
            from article_categories c
            left join articles a on a.category_id = c.id
            where c.id = @Id
            group by c.id
            """;
        return (await connection.QuerySingleAsync<CategoryRow>(new CommandDefinition(sql,
            new { Id = id, Now = time.GetUtcNow() }, cancellationToken: cancellationToken))).ToDto();
    }

    /// <summary>The slug itself when free, else the lowest free "slug-N". The table name comes from code, never input.</summary>
    private static async Task<string> FreeSlugAsync(NpgsqlConnection connection, string table, string slug, CancellationToken cancellationToken)
    {
        // Slugs hold only [a-z0-9-], so the LIKE pattern has no wildcard of its own.
        var taken = (await connection.QueryAsync<string>(new CommandDefinition(
            $"select slug from {table} where slug = @Slug or slug like @Prefix",
            new { Slug = slug, Prefix = Slugs.WithSuffix(slug, 2)[..^1] + "%" }, cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
        for (var n = 1; ; n++)
        {
            var candidate = Slugs.WithSuffix(slug, n);
            if (!taken.Contains(candidate))
            {
                return candidate;
            }
        }
    }

    private static bool IsSlugTaken(PostgresException e, string constraint) =>
        e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == constraint;

    private static Failure SlugClash(string slug) => new("article.slug_taken", FailureKind.Conflict,
        $"The slug '{slug}' is already in use; choose another.",
        Errors: new FieldErrors().Add("slug", $"The slug '{slug}' is already in use; choose another.").ToDictionary());

    private static Failure UnknownCategory() => Failure.Field("categoryId", "There is no such category.");

    private sealed class ArticleRow
    {
        public Guid Id { get; init; }

        public string Slug { get; init; } = "";

        public string Title { get; init; } = "";

        public string Body { get; init; } = "";

        public string Excerpt { get; init; } = "";

        public string Status { get; init; } = "";

        public DateTimeOffset? PublishedAt { get; init; }

        public Guid AuthorId { get; init; }

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset UpdatedAt { get; init; }

        public Guid? CategoryId { get; init; }

        public string? CategorySlug { get; init; }

        public string? CategoryName { get; init; }

        public string AuthorName { get; init; } = "";

        private ArticleCategoryRef? Category => CategoryId is { } id ? new ArticleCategoryRef(id, CategorySlug!, CategoryName!) : null;

        public ArticleSummaryDto ToSummary() => new(Id, Slug, Title, Excerpt, Category, AuthorName, PublishedAt!.Value, UpdatedAt);

        public ArticleDto ToPublic() => new(Id, Slug, Title, ArticleMarkdown.ToHtml(Body), Category, AuthorName, PublishedAt!.Value, UpdatedAt);

        public AdminArticleDto ToAdmin(DateTimeOffset now) => new(Id, Slug, Title, Body, ArticleMarkdown.ToHtml(Body), Excerpt, Category,
            StatusAt(now), PublishedAt, AuthorId, AuthorName, CreatedAt, UpdatedAt);

        public AdminArticleSummaryDto ToAdminSummary(DateTimeOffset now) =>
            new(Id, Slug, Title, Excerpt, Category, StatusAt(now), PublishedAt, AuthorName, UpdatedAt);

        private string StatusAt(DateTimeOffset now) =>
            Status == ArticleStatuses.Published && PublishedAt > now ? ArticleStatuses.Scheduled : Status;
    }

    private sealed class CategoryRow
    {
        public Guid Id { get; init; }

        public string Slug { get; init; } = "";

        public string Name { get; init; } = "";

        public int ArticleCount { get; init; }

        public int PublishedCount { get; init; }

        public DateTimeOffset CreatedAt { get; init; }

        public AdminArticleCategoryDto ToDto() => new(Id, Slug, Name, ArticleCount, PublishedCount, CreatedAt);
    }
}
