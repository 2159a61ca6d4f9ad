using System.Diagnostics;
using System.Security.Claims;
using ClinicChat.Accounts;
using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClinicChat.Articles;

public static class ArticleEndpoints
{
    public static WebApplicationBuilder AddArticles(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ArticleStore>();
        return builder;
    }

    /// <summary>Readers' routes, open without signing in: published articles whose publish time has passed.</summary>
    public static RouteGroupBuilder MapArticles(this RouteGroupBuilder group)
    {
        group.WithTags("Articles");
        group.MapGet("/articles", async Task<Results<Ok<ArticlePage>, ValidationProblem>> (
            string? category, string? q, int? limit, string? cursor, ArticleStore articles, CancellationToken ct) =>
        {
            var errors = new FieldErrors();
            var categorySlug = ArticleRules.Term(category, "category", errors);
            var query = ArticleRules.Term(q, "q", errors);
            var take = ArticleRules.Limit(limit, ArticleRules.MaxLimit, ArticleRules.DefaultLimit, errors);
            var after = ArticleCursor.Parse(cursor, errors);
            return errors.Any ? errors.ToProblem() : TypedResults.Ok(await articles.ListPublishedAsync(categorySlug, query, take, after, ct));
        })
            .WithSummary("List published health articles");

        group.MapGet("/articles/{slug}", async Task<Results<Ok<ArticleDto>, ProblemHttpResult>> (string slug, ArticleStore articles, CancellationToken ct) =>
            Slugs.IsValid(slug) && await articles.FindPublishedAsync(slug, ct) is { } article ? TypedResults.Ok(article) : ArticleFailures.ArticleNotFound.ToProblem())
            .WithSummary("Read a published health article");

        group.MapGet("/article-categories", async Task<Ok<IReadOnlyList<ArticleCategoryDto>>> (ArticleStore articles, CancellationToken ct) =>
            TypedResults.Ok(await articles.ListPublicCategoriesAsync(ct)))
            .WithSummary("List article categories with published articles");

        return group;
    }

    /// <summary>Admins' routes: drafts, editing, publishing and categories. Every change is audited.</summary>
    public static RouteGroupBuilder MapArticlesAdmin(this RouteGroupBuilder group)
    {
        group.WithTags("Articles");
        group.MapGet("/articles", async Task<Results<Ok<AdminArticlePage>, ValidationProblem>> (
            string? status, string? q, int? limit, string? cursor, ArticleStore articles, CancellationToken ct) =>
        {
            var errors = new FieldErrors();
            if (status is not (null or ArticleStatuses.Draft or ArticleStatuses.Scheduled or ArticleStatuses.Published))
            {
                errors.Add("status", "status must be draft, scheduled or published.");
            }

            var query = ArticleRules.Term(q, "q", errors);
            var take = ArticleRules.Limit(limit, ArticleStore.AdminMaxLimit, ArticleStore.AdminDefaultLimit, errors);
            var after = ArticleCursor.Parse(cursor, errors);
            return errors.Any ? errors.ToProblem() : TypedResults.Ok(await articles.ListAllAsync(status, query, take, after, ct));
        })
            .WithSummary("List articles (admin)");

        group.MapGet("/articles/{id:guid}", async Task<Results<Ok<AdminArticleDto>, ProblemHttpResult>> (Guid id, ArticleStore articles, CancellationToken ct) =>
            await articles.FindAsync(id, ct) is { } article ? TypedResults.Ok(article) : ArticleFailures.ArticleNotFound.ToProblem())
            .WithSummary("Get an article (admin)");

        group.MapPost("/articles", async Task<Results<Created<AdminArticleDto>, ValidationProblem, ProblemHttpResult>> (
            ArticleRequest request, ClaimsPrincipal user, ArticleStore articles, CancellationToken ct) =>
        {
            var errors = new FieldErrors();
            var (title, slug, body) = (ArticleRules.Title(request.Title, errors), ArticleRules.OptionalSlug(request.Slug, errors), ArticleRules.Body(request.Body, errors));
            if (errors.Any)
            {
                return errors.ToProblem();
            }

            var change = await articles.CreateAsync(title!, slug, request.CategoryId, body!, user.UserId(), ct);
            return change.Failure is { } failure
                ? failure.ToProblem()
                : TypedResults.Created($"/api/v1/admin/articles/{change.Value!.Id}", change.Value);
        })
            .WithSummary("Create an article (admin)");

        group.MapPut("/articles/{id:guid}", async Task<Results<Ok<AdminArticleDto>, ValidationProblem, ProblemHttpResult>> (
            Guid id, ArticleRequest request, ClaimsPrincipal user, ArticleStore articles, CancellationToken ct) =>
        {
            var errors = new FieldErrors();
            var (title, slug, body) = (ArticleRules.Title(request.Title, errors), ArticleRules.OptionalSlug(request.Slug, errors), ArticleRules.Body(request.Body, errors));
            return errors.Any ? errors.ToProblem() : Answer<AdminArticleDto>(await articles.UpdateAsync(id, title!, slug, request.CategoryId, body!, user.UserId(), ct));
        })
            .WithSummary("Edit an article (admin)");

        group.MapPost("/articles/{id:guid}/publish", async Task<Results<Ok<AdminArticleDto>, ValidationProblem, ProblemHttpResult>> (
            Guid id, PublishRequest? request, ClaimsPrincipal user, ArticleStore articles, TimeProvider time, CancellationToken ct) =>
        {
            if (request?.PublishAt is { } at && at <= time.GetUtcNow())
            {
                return Problems.Field("publishAt", "publishAt must be in the future; leave it out to publish now.");
            }

            return Answer<AdminArticleDto>(await articles.PublishAsync(id, request?.PublishAt, user.UserId(), ct));
        })
            .WithSummary("Publish an article now or at a time (admin)");

        group.MapPost("/articles/{id:guid}/unpublish", async Task<Results<Ok<AdminArticleDto>, ValidationProblem, ProblemHttpResult>> (
            Guid id, ClaimsPrincipal user, ArticleStore articles, CancellationToken ct) =>
            Answer<AdminArticleDto>(await articles.UnpublishAsync(id, user.UserId(), ct)))
            .WithSummary("Unpublish an article (admin)");

        group.MapDelete("/articles/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (
            Guid id, ClaimsPrincipal user, ArticleStore articles, CancellationToken ct) =>
            await articles.DeleteAsync(id, user.UserId(), ct) ? TypedResults.NoContent() : ArticleFailures.ArticleNotFound.ToProblem())
            .WithSummary("Delete an article (admin)");

        // What the editor shows while typing: the same renderer, and the same safety, as the published page.
        group.MapPost("/articles/preview", Results<Ok<PreviewDto>, ValidationProblem> (PreviewRequest request) =>
        {
            if (string.IsNullOrWhiteSpace(request.Body))
            {
                return TypedResults.Ok(new PreviewDto(""));
            }

            var errors = new FieldErrors();
            var body = ArticleRules.Body(request.Body, errors);
            return errors.Any ? errors.ToProblem() : TypedResults.Ok(new PreviewDto(ArticleMarkdown.ToHtml(body!)));
        })
            .WithSummary("Render Markdown as the published page would (admin)");

        group.MapGet("/article-categories", async Task<Ok<IReadOnlyList<AdminArticleCategoryDto>>> (ArticleStore articles, CancellationToken ct) =>
            TypedResults.Ok(await articles.ListCategoriesAsync(ct)))
            .WithSummary("List article categories (admin)");

        group.MapPost("/article-categories", async Task<Results<Created<AdminArticleCategoryDto>, ValidationProblem, ProblemHttpResult>> (
            ArticleCategoryRequest request, ClaimsPrincipal user, ArticleStore articles, CancellationToken ct) =>
        {
            var errors = new FieldErrors();
            var (name, slug) = (ArticleRules.CategoryName(request.Name, errors), ArticleRules.OptionalSlug(request.Slug, errors));
            if (errors.Any)
            {
                return errors.ToProblem();
            }

            var change = await articles.CreateCategoryAsync(name!, slug, user.UserId(), ct);
            return change.Failure is { } failure
                ? failure.ToProblem()
                : TypedResults.Created($"/api/v1/admin/article-categories/{change.Value!.Id}", change.Value);
        })
            .WithSummary("Create an article category (admin)");

        group.MapPut("/article-categories/{id:guid}", async Task<Results<Ok<AdminArticleCategoryDto>, ValidationProblem, ProblemHttpResult>> (
            Guid id, ArticleCategoryRequest request, ClaimsPrincipal user, ArticleStore articles, CancellationToken ct) =>
        {
            var errors = new FieldErrors();
            var (name, slug) = (ArticleRules.CategoryName(request.Name, errors), ArticleRules.OptionalSlug(request.Slug, errors));
            return errors.Any ? errors.ToProblem() : Answer<AdminArticleCategoryDto>(await articles.UpdateCategoryAsync(id, name!, slug, user.UserId(), ct));
        })
            .WithSummary("Rename an article category (admin)");

        group.MapDelete("/article-categories/{id:guid}", async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> (
            Guid id, ClaimsPrincipal user, ArticleStore articles, CancellationToken ct) =>
        {
            var change = await articles.DeleteCategoryAsync(id, user.UserId(), ct);
            return change.Failure is { } failure ? failure.ToProblem() : TypedResults.NoContent();
        })
            .WithSummary("Delete an empty article category (admin)");

        return group;
    }

    private static Results<Ok<T>, ValidationProblem, ProblemHttpResult> Answer<T>(Outcome<T> outcome) =>
        outcome.Failure is { } failure ? failure.ToProblem() : TypedResults.Ok(outcome.Value!);
}
