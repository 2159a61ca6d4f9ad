using System.Net;
using ClinicChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace ClinicChat.Tests.WebClient;

/// <summary>The built client in wwwroot (./test builds web/ first) as the server hands it out.</summary>
public sealed class WebClientServingTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static bool ClientBuilt =>
        File.Exists(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "ClinicChat.Server", "wwwroot", "index.html"));

    [Theory]
    [InlineData("/")]
    [InlineData("/doctors")]
    [InlineData("/admin/doctors/0190a0a0-0000-7000-8000-000000000000")]
    public async Task Client_routes_answer_the_uncached_index_page(string path)
    {
        Assert.SkipUnless(ClientBuilt, "web/ has not been built into wwwroot");

        var response = await app.CreateAnonymousClient().GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("<div id=\"root\">", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hashed_assets_are_cached_for_a_year()
    {
        Assert.SkipUnless(ClientBuilt, "web/ has not been built into wwwroot");
        var http = app.CreateAnonymousClient();
        var index = await http.GetStringAsync("/", Ct);
        var script = System.Text.RegularExpressions.Regex.Match(index, "src=\"(/assets/[^\"]+\\.js)\"").Groups[1].Value;

        var response = await http.GetAsync(script, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl?.ToString());
    }

    [Theory]
    [InlineData("/api/v1/no-such-route")]
    [InlineData("/api")]
    [InlineData("/hubs/nothing")]
    [InlineData("/health/nothing")]
    [InlineData("/openapi/nothing")]
    [InlineData("/docs/nothing")]
    public async Task Server_paths_never_fall_back_to_the_client(string path)
    {
        var response = await app.CreateAnonymousClient().GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_missing_asset_is_a_404_not_the_index_page()
    {
        var response = await app.CreateAnonymousClient().GetAsync("/assets/missing-0000.js", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Posting_to_a_client_route_is_not_answered_with_the_page()
    {
        var response = await app.CreateAnonymousClient().PostAsync("/doctors", null, Ct);

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
    }
}

/// <summary>A server built without the client still answers / with a short note instead of an error.</summary>
public sealed class WithoutWebClientTests(WithoutWebClientTests.AppWithoutClient app) : IClassFixture<WithoutWebClientTests.AppWithoutClient>
{
    public sealed class AppWithoutClient : ClinicChatApp
    {
        private readonly string _emptyWebRoot = Directory.CreateTempSubdirectory("clinicchat-nowww").FullName;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseWebRoot(_emptyWebRoot);
        }
    }

    [Fact]
    public async Task The_root_answers_a_plain_text_note()
    {
        var response = await app.CreateAnonymousClient().GetAsync("/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/api/v1", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_routes_are_not_found()
    {
        var response = await app.CreateAnonymousClient().GetAsync("/doctors", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
