using System.Net.Http.Json;
using System.Text.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.BrowserTests;

public sealed class ArticleTests(BrowserFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_signed_out_reader_finds_the_health_articles_from_sign_in_and_reads_one_safely()
    {
        var admin = await fixture.App.AdminAsync();
        var category = await (await admin.Http.PostAsJsonAsync("/api/v1/admin/article-categories", new { name = $"Anak {Guid.NewGuid():N}"[..12] }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var title = $"Demam pada anak {Guid.NewGuid():N}"[..24];
        var created = await admin.Http.PostAsJsonAsync("/api/v1/admin/articles", new
        {
            title,
            categoryId = category.GetProperty("id").GetGuid(),
            body = "Demam adalah **reaksi tubuh** terhadap infeksi.\n\n<script>alert('xss')</script>\n\n[Jangan klik](javascript:alert(1)) · [Kemenkes](https://kemkes.go.id)",
        }, Ct);
        await created.EnsureSuccessAsync();
        var article = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        await (await admin.Http.PostAsJsonAsync($"/api/v1/admin/articles/{article.GetProperty("id").GetGuid()}/publish", new { }, Ct)).EnsureSuccessAsync();

        await using var browser = await fixture.OpenAsync();
        var page = browser.Page;
        await page.GotoAsync("/signin");
        await page.GetByRole(AriaRole.Link, new() { Name = "Read our health articles" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Health articles" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = title, Level = 1 })).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/articles/demam-pada-anak-[0-9a-f]+$"));
        var body = page.Locator(".article-body");
        await Expect(body.Locator("strong")).ToHaveTextAsync("reaksi tubuh");
        await Expect(body).ToContainTextAsync("<script>alert('xss')</script>");
        await Expect(body.Locator("script")).ToHaveCountAsync(0);
        await Expect(body.GetByRole(AriaRole.Link, new() { Name = "Jangan klik" })).ToHaveCountAsync(0);
        await Expect(body.GetByRole(AriaRole.Link, new() { Name = "Kemenkes" })).ToHaveAttributeAsync("href", "https://kemkes.go.id");
        Assert.Empty(browser.Dialogs);
        await browser.ScreenshotAsync("article-signed-out");

        await page.GotoAsync("/articles/tidak-ada-artikel-ini");
        await Expect(page.GetByText("Article was not found.")).ToBeVisibleAsync();
        Assert.Empty(browser.Problems);
    }

    [Fact]
    public async Task An_admin_writes_an_article_with_a_live_preview_and_publishes_it_for_readers()
    {
        await using var browser = await fixture.OpenAsync(width: 1280, height: 900);
        var page = browser.Page;
        await browser.SignInAsync(ClinicChatApp.AdminEmail, ClinicChatApp.AdminPassword);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Articles", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Health articles" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "New article" }).ClickAsync();

        var title = $"Cuci tangan pakai sabun {Guid.NewGuid():N}"[..32];
        var form = page.GetByRole(AriaRole.Form, new() { Name = "Article", Exact = true });
        await form.GetByLabel("Title").FillAsync(title);
        await form.GetByLabel("Body (Markdown)").FillAsync("Cuci tangan **20 detik** dengan sabun.\n\n- sebelum makan\n- sesudah dari toilet");
        var preview = page.GetByRole(AriaRole.Region, new() { Name = "Preview" });
        await Expect(preview.Locator("strong")).ToHaveTextAsync("20 detik");
        await Expect(preview.Locator("li")).ToHaveCountAsync(2);
        await form.GetByRole(AriaRole.Button, new() { Name = "Save article" }).ClickAsync();
        await Expect(page.GetByText("Article saved as a draft.")).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin/articles/[0-9a-f-]{36}$"));

        var publishing = page.GetByRole(AriaRole.Group, new() { Name = "Publishing" });
        await Expect(publishing.GetByRole(AriaRole.Status)).ToContainTextAsync("Draft");
        await publishing.GetByRole(AriaRole.Button, new() { Name = "Publish now" }).ClickAsync();
        await Expect(publishing.GetByRole(AriaRole.Status)).ToContainTextAsync("Published");
        await browser.ScreenshotAsync("admin-article-editor");

        await using var reader = await fixture.OpenAsync();
        await reader.Page.GotoAsync("/articles");
        await reader.Page.GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();
        await Expect(reader.Page.Locator(".article-body strong")).ToHaveTextAsync("20 detik");

        await publishing.GetByRole(AriaRole.Button, new() { Name = "Unpublish" }).ClickAsync();
        await Expect(publishing.GetByRole(AriaRole.Status)).ToContainTextAsync("Draft");
        await reader.Page.ReloadAsync();
        await Expect(reader.Page.GetByText("Article was not found.")).ToBeVisibleAsync();
        Assert.Empty(browser.Problems);
    }
}
