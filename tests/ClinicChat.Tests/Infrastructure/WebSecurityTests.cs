using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace ClinicChat.Tests.Infrastructure;

public sealed class WebSecurityTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    private const string AllowedOrigin = "http://allowed.example";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/api/v1/me")]
    [InlineData("/api/v1/no-such-route")]
    [InlineData("/openapi/v1.json")]
    public async Task SecurityHeadersAreOnEveryAnswer(string path)
    {
        var response = await app.CreateAnonymousClient().GetAsync(path, Ct);

        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Contains("frame-ancestors 'none'", Header(response, "Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", Header(response, "Content-Security-Policy"), StringComparison.Ordinal);
        Assert.NotNull(Header(response, "Permissions-Policy"));
        Assert.False(response.Headers.Contains("Server"), "The Server header gives away the stack.");
    }

    [Fact]
    public async Task ConnectionsAreLimitedToTheServersOwnOrigin()
    {
        var response = await app.CreateAnonymousClient().GetAsync("/health/live", Ct);

        var connectSrc = Header(response, "Content-Security-Policy")!.Split(';', StringSplitOptions.TrimEntries)
            .Single(d => d.StartsWith("connect-src ", StringComparison.Ordinal));
        Assert.Equal("connect-src 'self'", connectSrc);
    }

    [Fact]
    public async Task PlainHttpGetsNoHsts()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Host = "clinic.example";

        var response = await app.CreateAnonymousClient().SendAsync(request, Ct);

        Assert.Null(Header(response, "Strict-Transport-Security"));
    }

    [Fact]
    public async Task AllowedOriginGetsCorsHeaders()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Add("Origin", AllowedOrigin);

        var response = await app.CreateAnonymousClient().SendAsync(request, Ct);

        Assert.Equal(AllowedOrigin, Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task AllowedOriginPassesThePreflight()
    {
        var response = await PreflightAsync(AllowedOrigin);

        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        Assert.Equal(AllowedOrigin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Header(response, "Access-Control-Allow-Methods") ?? "", StringComparison.Ordinal);
        Assert.Contains("authorization", (Header(response, "Access-Control-Allow-Headers") ?? "").ToLowerInvariant(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("http://allowed.example.evil.example")]
    [InlineData("https://allowed.example")]
    [InlineData("null")]
    public async Task OtherOriginsGetNoCorsHeaders(string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Add("Origin", origin);

        var simple = await app.CreateAnonymousClient().SendAsync(request, Ct);
        var preflight = await PreflightAsync(origin);

        Assert.Null(Header(simple, "Access-Control-Allow-Origin"));
        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Null(Header(preflight, "Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task BodyOverTheLimitIsA413Problem()
    {
        var tooBig = new string('x', 300 * 1024);

        var response = await app.CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email = "big@example.com", password = "long-enough-pw", displayName = tooBig }, Ct);

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, await app.QueryScalarAsync<long>("select count(*) from users where email = 'big@example.com'"));
    }

    [Fact]
    public async Task ChunkedBodyOverTheLimitIsA413Problem()
    {
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"refreshToken\":\"" + new string('x', 300 * 1024) + "\"}")));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/refresh") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await app.CreateAnonymousClient().SendAsync(request, Ct);

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task UnknownRouteIsANotFoundProblem()
    {
        await (await app.CreateAnonymousClient().GetAsync("/api/v1/no-such-route", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task WrongMethodIsAProblem()
    {
        await (await app.CreateAnonymousClient().DeleteAsync("/api/v1/auth/login", Ct)).AssertProblemAsync(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task OpenApiDocumentDescribesTheAccountRoutes()
    {
        var document = await app.CreateAnonymousClient().GetStringAsync("/openapi/v1.json", Ct);

        Assert.Contains("/api/v1/auth/login", document, StringComparison.Ordinal);
        Assert.Contains("/api/v1/doctors/{id}/schedule", document, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrowsableApiDocsAreServed()
    {
        var response = await app.CreateAnonymousClient().GetAsync("/docs/index.html", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("swagger", await response.Content.ReadAsStringAsync(Ct), StringComparison.OrdinalIgnoreCase);
    }

    private async Task<HttpResponseMessage> PreflightAsync(string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/v1/auth/login");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return await app.CreateAnonymousClient().SendAsync(request, Ct);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : null;
}

/// <summary>Behind a TLS-terminating proxy with forwarded headers enabled, the request counts as https.</summary>
public sealed class BehindTlsProxyApp : ClinicChatApp
{
    public BehindTlsProxyApp() => Settings["Proxy:TrustedProxies"] = "127.0.0.1";
}

public sealed class HstsTests(BehindTlsProxyApp app) : IClassFixture<BehindTlsProxyApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> GetAsync(string host, string? forwardedProto)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Host = host;
        if (forwardedProto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        }

        return await app.CreateAnonymousClient().SendAsync(request, Ct);
    }

    [Fact]
    public async Task HttpsRequestsGetHstsForAYearWithoutSubdomainsOrPreload()
    {
        var response = await GetAsync("clinic.example", "https");

        Assert.True(response.Headers.TryGetValues("Strict-Transport-Security", out var values));
        Assert.Equal("max-age=31536000", Assert.Single(values));
    }

    [Fact]
    public async Task HttpRequestsThroughTheProxyGetNoHsts()
    {
        var response = await GetAsync("clinic.example", "http");

        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task LocalhostNeverGetsHsts()
    {
        var response = await GetAsync("localhost", "https");

        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }
}
