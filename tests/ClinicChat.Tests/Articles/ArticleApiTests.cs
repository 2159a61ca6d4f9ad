using System.Net;
using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Articles;

public sealed record CategoryRef(Guid Id, string Slug, string Name);

public sealed record ArticleSummary(Guid Id, string Slug, string Title, string Excerpt, CategoryRef? Category, string AuthorName, DateTimeOffset PublishedAt);

public sealed record ArticleListPage(List<ArticleSummary> Items, string? NextCursor);

public sealed record PublicArticle(Guid Id, string Slug, string Title, string Html, CategoryRef? Category, string AuthorName, DateTimeOffset PublishedAt, DateTimeOffset UpdatedAt);

public sealed record AdminArticle(
    Guid Id, string Slug, string Title, string Body, string Html, string Excerpt, CategoryRef? Category, string Status,
    DateTimeOffset? PublishedAt, Guid AuthorId, string AuthorName, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record AdminCategory(Guid Id, string Slug, string Name, int ArticleCount, int PublishedCount);

public sealed class ArticleApiTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Reader { get; } = app.CreateAnonymousClient();

    private async Task<AdminArticle> CreateAsync(string title, Guid? categoryId = null, string? slug = null, string body = "Minum air putih yang cukup.")
    {
        var admin = await app.AdminAsync();
        var response = await admin.Http.PostAsJsonAsync("/api/v1/admin/articles", new { title, slug, categoryId, body }, Ct);
        await response.EnsureSuccessAsync();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<AdminArticle>(Ct))!;
    }

    private async Task<AdminArticle> PublishAsync(Guid id, DateTimeOffset? publishAt = null)
    {
        var admin = await app.AdminAsync();
        var response = await admin.Http.PostAsJsonAsync($"/api/v1/admin/articles/{id}/publish", new { publishAt }, Ct);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<AdminArticle>(Ct))!;
    }

    private async Task<AdminCategory> CategoryAsync(string? name = null)
    {
        var admin = await app.AdminAsync();
        var response = await admin.Http.PostAsJsonAsync("/api/v1/admin/article-categories", new { name = name ?? $"Kategori {Guid.NewGuid():N}" }, Ct);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<AdminCategory>(Ct))!;
    }

    private async Task<ArticleListPage> ListAsync(string query = "")
    {
        var response = await Reader.GetAsync($"/api/v1/articles{query}", Ct);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<ArticleListPage>(Ct))!;
    }

    [Fact]
    public async Task ADraftIsHiddenFromReadersUntilPublishedAndAgainOnceUnpublished()
    {
        var category = await CategoryAsync();
        var draft = await CreateAsync("Cuci tangan yang benar", category.Id);
        Assert.Equal("draft", draft.Status);
        Assert.Null(draft.PublishedAt);

        Assert.Empty((await ListAsync($"?category={category.Slug}")).Items);
        await (await Reader.GetAsync($"/api/v1/articles/{draft.Slug}", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);

        var published = await PublishAsync(draft.Id);
        Assert.Equal("published", published.Status);
        Assert.Equal(app.Clock.GetUtcNow(), published.PublishedAt);
        var listed = Assert.Single((await ListAsync($"?category={category.Slug}")).Items);
        Assert.Equal((draft.Id, "Cuci tangan yang benar", category.Slug), (listed.Id, listed.Title, listed.Category!.Slug));
        var page = await Reader.GetFromJsonAsync<PublicArticle>($"/api/v1/articles/{draft.Slug}", Ct);
        Assert.Equal("<p>Minum air putih yang cukup.</p>\n", page!.Html);

        var admin = await app.AdminAsync();
        (await admin.Http.PostAsync($"/api/v1/admin/articles/{draft.Id}/unpublish", null, Ct)).EnsureSuccessStatusCode();
        Assert.Empty((await ListAsync($"?category={category.Slug}")).Items);
        await (await Reader.GetAsync($"/api/v1/articles/{draft.Slug}", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.Http.PostAsync($"/api/v1/admin/articles/{draft.Id}/unpublish", null, Ct)).AssertProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task AScheduledArticleStaysHiddenUntilItsPublishTimePasses()
    {
        var category = await CategoryAsync();
        var article = await CreateAsync("Puasa dan obat rutin", category.Id);
        var at = app.Clock.GetUtcNow().AddHours(2);

        var scheduled = await PublishAsync(article.Id, at);

        Assert.Equal("scheduled", scheduled.Status);
        Assert.Equal(at, scheduled.PublishedAt);
        Assert.Empty((await ListAsync($"?category={category.Slug}")).Items);
        await (await Reader.GetAsync($"/api/v1/articles/{article.Slug}", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);

        app.Clock.Advance(TimeSpan.FromHours(2));

        Assert.Single((await ListAsync($"?category={category.Slug}")).Items);
        Assert.Equal(HttpStatusCode.OK, (await Reader.GetAsync($"/api/v1/articles/{article.Slug}", Ct)).StatusCode);
        var admin = await app.AdminAsync();
        Assert.Equal("published", (await admin.Http.GetFromJsonAsync<AdminArticle>($"/api/v1/admin/articles/{article.Id}", Ct))!.Status);
    }

    [Fact]
    public async Task PublishingInThePastOrTwiceIsRefused()
    {
        var article = await CreateAsync("Tidur cukup");
        var admin = await app.AdminAsync();

        var past = await admin.Http.PostAsJsonAsync($"/api/v1/admin/articles/{article.Id}/publish", new { publishAt = app.Clock.GetUtcNow().AddMinutes(-1) }, Ct);
        await past.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "publishAt");

        await PublishAsync(article.Id);
        await (await admin.Http.PostAsJsonAsync($"/api/v1/admin/articles/{article.Id}/publish", new { }, Ct)).AssertProblemAsync(HttpStatusCode.Conflict);
        await (await admin.Http.PostAsJsonAsync($"/api/v1/admin/articles/{Guid.NewGuid()}/publish", new { }, Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheSlugComesFromTheTitleAndStaysUnique()
    {
        var title = $"Gizi Seimbang untuk Balita {Guid.NewGuid():N}";

        var first = await CreateAsync(title);
        var second = await CreateAsync(title);
        var third = await CreateAsync(title);

        Assert.Equal($"gizi-seimbang-untuk-balita-{title[^32..]}", first.Slug);
        Assert.Equal(first.Slug + "-2", second.Slug);
        Assert.Equal(first.Slug + "-3", third.Slug);
    }

    [Fact]
    public async Task EditingKeepsTheSlugUnlessAnAdminChangesIt()
    {
        var article = await CreateAsync($"Batuk pada anak {Guid.NewGuid():N}");
        var admin = await app.AdminAsync();

        var retitled = await admin.Http.PutAsJsonAsync($"/api/v1/admin/articles/{article.Id}", new { title = "Batuk pilek pada anak", body = "Isi baru." }, Ct);
        await retitled.EnsureSuccessAsync();
        var kept = (await retitled.Content.ReadFromJsonAsync<AdminArticle>(Ct))!;
        Assert.Equal((article.Slug, "Batuk pilek pada anak", "Isi baru."), (kept.Slug, kept.Title, kept.Body));

        var newSlug = $"batuk-pilek-{Guid.NewGuid():N}";
        var renamed = await admin.Http.PutAsJsonAsync($"/api/v1/admin/articles/{article.Id}", new { title = "Batuk pilek pada anak", slug = newSlug, body = "Isi baru." }, Ct);
        await renamed.EnsureSuccessAsync();
        Assert.Equal(newSlug, (await renamed.Content.ReadFromJsonAsync<AdminArticle>(Ct))!.Slug);
    }

    [Fact]
    public async Task ATakenSlugIsAConflictNamingTheSlug()
    {
        var taken = await CreateAsync($"Asma {Guid.NewGuid():N}");
        var other = await CreateAsync($"Alergi {Guid.NewGuid():N}");
        var admin = await app.AdminAsync();

        var create = await admin.Http.PostAsJsonAsync("/api/v1/admin/articles", new { title = "Asma lagi", slug = taken.Slug, body = "x" }, Ct);
        await create.AssertFieldErrorsAsync(HttpStatusCode.Conflict, "slug");
        var edit = await admin.Http.PutAsJsonAsync($"/api/v1/admin/articles/{other.Id}", new { title = "Alergi", slug = taken.Slug, body = "x" }, Ct);
        await edit.AssertFieldErrorsAsync(HttpStatusCode.Conflict, "slug");
    }

    [Theory]
    [InlineData("Demam\u0000", null, "isi", "title")]
    [InlineData("Demam\u001b[31m", null, "isi", "title")]
    [InlineData("", null, "isi", "title")]
    [InlineData("Demam", "demam\u0000", "isi", "slug")]
    [InlineData("Demam", "Demam Anak", "isi", "slug")]
    [InlineData("Demam", "demam_anak", "isi", "slug")]
    [InlineData("Demam", null, "", "body")]
    [InlineData("Demam", null, "isi\u0000", "body")]
    public async Task BadInputIsRefusedNamingTheField(string title, string? slug, string body, string field)
    {
        var admin = await app.AdminAsync();

        var response = await admin.Http.PostAsJsonAsync("/api/v1/admin/articles", new { title, slug, body }, Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task AnUnpairedSurrogateInTheBodyIsRefusedNamingTheBody()
    {
        var admin = await app.AdminAsync();
        using var content = new StringContent("{\"title\":\"Demam\",\"body\":\"isi \\ud800 rusak\"}", System.Text.Encoding.UTF8, "application/json");

        var response = await admin.Http.PostAsync("/api/v1/admin/articles", content, Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "body");
    }

    [Fact]
    public async Task TheBodyIsLimitedInLengthAndTheCategoryMustExist()
    {
        var admin = await app.AdminAsync();

        var tooLong = await admin.Http.PostAsJsonAsync("/api/v1/admin/articles", new { title = "Panjang", body = new string('a', 100_001) }, Ct);
        await tooLong.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "body");
        var unknown = await admin.Http.PostAsJsonAsync("/api/v1/admin/articles", new { title = "Kategori hilang", categoryId = Guid.NewGuid(), body = "x" }, Ct);
        await unknown.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "categoryId");
        Assert.Equal(HttpStatusCode.Created, (await admin.Http.PostAsJsonAsync("/api/v1/admin/articles", new { title = "Pas", body = new string('a', 100_000) }, Ct)).StatusCode);
    }

    [Fact]
    public async Task ThePublishedPageIsRenderedSafelyAndAdminsSeeTheMarkdown()
    {
        const string body = """
            Baca [panduan](https://kemkes.go.id) lalu [klik](javascript:alert(1)).

            <script>alert("xss")</script>

            ![foto](data:image/svg+xml;base64,PHN2Zz4=)
            """;
        var article = await CreateAsync($"Keamanan {Guid.NewGuid():N}", body: body);
        await PublishAsync(article.Id);

        var page = (await Reader.GetFromJsonAsync<PublicArticle>($"/api/v1/articles/{article.Slug}", Ct))!;

        Assert.Contains("<a href=\"https://kemkes.go.id\"", page.Html);
        Assert.DoesNotContain("javascript:", page.Html);
        Assert.DoesNotContain("<script", page.Html);
        Assert.Contains("&lt;script&gt;", page.Html);
        Assert.DoesNotContain("<img", page.Html);
        Assert.DoesNotContain("data:", page.Html);
        var admin = await app.AdminAsync();
        Assert.Equal(body, (await admin.Http.GetFromJsonAsync<AdminArticle>($"/api/v1/admin/articles/{article.Id}", Ct))!.Body);
    }

    [Fact]
    public async Task LeadingIndentationOfTheBodyIsKeptBecauseItIsMarkdown()
    {
        var article = await CreateAsync($"Kode {Guid.NewGuid():N}", body: "    dosis = 5 ml\r\n\r\nSelesai.\n\n\n");

        Assert.Equal("    dosis = 5 ml\n\nSelesai.", article.Body);
        Assert.StartsWith("<pre><code>dosis = 5 ml", article.Html);
    }

    [Fact]
    public async Task ThePreviewRendersLikeThePublishedPage()
    {
        var admin = await app.AdminAsync();

        var response = await admin.Http.PostAsJsonAsync("/api/v1/admin/articles/preview", new { body = "**Tebal** <b>mentah</b> [x](vbscript:msgbox)" }, Ct);

        await response.EnsureSuccessAsync();
        var html = (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>(Ct))!["html"];
        Assert.Equal("<p><strong>Tebal</strong> &lt;b&gt;mentah&lt;/b&gt; x</p>\n", html);
    }

    [Fact]
    public async Task TheListIsNewestFirstAndPagesWithAnOpaqueCursor()
    {
        var category = await CategoryAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var article = await CreateAsync($"Halaman {i}", category.Id);
            await PublishAsync(article.Id);
            ids.Add(article.Id);
            app.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        var seen = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await ListAsync($"?category={category.Slug}&limit=2{(cursor is null ? "" : $"&cursor={cursor}")}");
            Assert.True(page.Items.Count <= 2);
            seen.AddRange(page.Items.Select(a => a.Id));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(ids), seen);
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=51", "limit")]
    [InlineData("?cursor=not-a-cursor", "cursor")]
    [InlineData("?cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "cursor")]
    [InlineData("?q=%00", "q")]
    [InlineData("?category=%00", "category")]
    public async Task BadListParametersAreRefusedNamingTheParameter(string query, string field)
    {
        var response = await Reader.GetAsync($"/api/v1/articles{query}", Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task ReadersFilterByCategoryAndSearchWordsInTitleOrBody()
    {
        var children = await CategoryAsync();
        var adults = await CategoryAsync();
        var word = $"kata{Guid.NewGuid():N}"[..16];
        var inTitle = await CreateAsync($"Ruam {word} pada bayi", children.Id);
        var inBody = await CreateAsync("Tekanan darah tinggi", adults.Id, body: $"Kurangi garam. Istilah {word} juga dipakai.");
        var draft = await CreateAsync($"Draf {word}", adults.Id);
        await PublishAsync(inTitle.Id);
        await PublishAsync(inBody.Id);

        var found = await ListAsync($"?q={word}");
        Assert.Equal(new[] { inBody.Id, inTitle.Id }.Order(), found.Items.Select(a => a.Id).Order());
        Assert.DoesNotContain(found.Items, a => a.Id == draft.Id);
        Assert.Equal([inTitle.Id], (await ListAsync($"?q={word}&category={children.Slug}")).Items.Select(a => a.Id));
        Assert.Empty((await ListAsync($"?q=\"{word} pada balita\"")).Items);
        Assert.Empty((await ListAsync("?category=tidak-ada")).Items);

        var categories = await Reader.GetFromJsonAsync<List<AdminCategory>>("/api/v1/article-categories", Ct);
        Assert.Equal(1, categories!.Single(c => c.Id == children.Id).PublishedCount);
    }

    [Fact]
    public async Task ReadersNeedNoSignInButOnlyAdminsManageArticles()
    {
        var article = await CreateAsync($"Hak akses {Guid.NewGuid():N}");
        var patient = await app.RegisterPatientAsync();
        var doctor = await app.CreateStaffAsync("doctor");

        Assert.Equal(HttpStatusCode.OK, (await Reader.GetAsync("/api/v1/articles", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Reader.GetAsync("/api/v1/article-categories", Ct)).StatusCode);
        await (await Reader.GetAsync("/api/v1/admin/articles", Ct)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await Reader.PostAsJsonAsync("/api/v1/admin/articles", new { title = "x", body = "x" }, Ct)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        foreach (var user in new[] { patient, doctor })
        {
            await (await user.Http.GetAsync("/api/v1/admin/articles", Ct)).AssertProblemAsync(HttpStatusCode.Forbidden);
            await (await user.Http.PostAsync($"/api/v1/admin/articles/{article.Id}/publish", null, Ct)).AssertProblemAsync(HttpStatusCode.Forbidden);
            await (await user.Http.DeleteAsync($"/api/v1/admin/articles/{article.Id}", Ct)).AssertProblemAsync(HttpStatusCode.Forbidden);
            await (await user.Http.PostAsJsonAsync("/api/v1/admin/article-categories", new { name = "x" }, Ct)).AssertProblemAsync(HttpStatusCode.Forbidden);
            // Signed-in readers see the same public list.
            Assert.Equal(HttpStatusCode.OK, (await user.Http.GetAsync("/api/v1/articles", Ct)).StatusCode);
        }
    }

    [Fact]
    public async Task AdminChangesAreAudited()
    {
        var article = await CreateAsync($"Audit {Guid.NewGuid():N}");
        var admin = await app.AdminAsync();
        await PublishAsync(article.Id);
        (await admin.Http.PostAsync($"/api/v1/admin/articles/{article.Id}/unpublish", null, Ct)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Http.DeleteAsync($"/api/v1/admin/articles/{article.Id}", Ct)).StatusCode);

        var actions = await app.QueryScalarAsync<string>(
            "select string_agg(action, ',' order by id) from audit_log where target_type = 'article' and target_id = @t and actor_id = @a",
            ("t", article.Id.ToString()), ("a", admin.Id));
        Assert.Equal("article.created,article.published,article.unpublished,article.deleted", actions);
        await (await admin.Http.GetAsync($"/api/v1/admin/articles/{article.Id}", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ACategoryWithArticlesCannotBeDeletedButAnEmptyOneCan()
    {
        var admin = await app.AdminAsync();
        var used = await CategoryAsync();
        var empty = await CategoryAsync();
        await CreateAsync("Artikel berkategori", used.Id);

        await (await admin.Http.DeleteAsync($"/api/v1/admin/article-categories/{used.Id}", Ct)).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Http.DeleteAsync($"/api/v1/admin/article-categories/{empty.Id}", Ct)).StatusCode);
        await (await admin.Http.DeleteAsync($"/api/v1/admin/article-categories/{empty.Id}", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
        var listed = await admin.Http.GetFromJsonAsync<List<AdminCategory>>("/api/v1/admin/article-categories", Ct);
        Assert.Equal(1, listed!.Single(c => c.Id == used.Id).ArticleCount);
        Assert.DoesNotContain(listed!, c => c.Id == empty.Id);
    }

    [Fact]
    public async Task CategorySlugsAreGeneratedUniqueAndEditable()
    {
        var name = $"Kesehatan Ibu {Guid.NewGuid():N}";
        var first = await CategoryAsync(name);
        var second = await CategoryAsync(name);
        var admin = await app.AdminAsync();

        Assert.Equal(first.Slug + "-2", second.Slug);
        var clash = await admin.Http.PutAsJsonAsync($"/api/v1/admin/article-categories/{second.Id}", new { name, slug = first.Slug }, Ct);
        await clash.AssertFieldErrorsAsync(HttpStatusCode.Conflict, "slug");
        var renamed = await admin.Http.PutAsJsonAsync($"/api/v1/admin/article-categories/{second.Id}", new { name = "Ibu hamil", slug = $"ibu-hamil-{Guid.NewGuid():N}" }, Ct);
        await renamed.EnsureSuccessAsync();
        Assert.Equal("Ibu hamil", (await renamed.Content.ReadFromJsonAsync<AdminCategory>(Ct))!.Name);
        await (await admin.Http.PostAsJsonAsync("/api/v1/admin/article-categories", new { name = "Nama\u0000" }, Ct)).AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "name");
    }
}
