using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace ClinicChat.Tests.Infrastructure;

/// <summary>Scrapes every captured log line (at Trace) for the secrets that passed through the server.</summary>
public sealed class LogSecrecyTests(LogSecrecyTests.App app) : IClassFixture<LogSecrecyTests.App>
{
    public sealed class App : ClinicChatApp;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NoTokenOrPasswordEverReachesTheLogs()
    {
        var http = app.CreateAnonymousClient();
        var email = $"secret-{Guid.NewGuid():N}@example.com";
        const string password = "Tr0ub4dor-&-3-secret";
        const string wrongPassword = "Wr0ng-horse-battery-staple";
        const string weakPassword = "weak-pw";

        (await http.PostAsJsonAsync("/api/v1/auth/register", new { email, password, displayName = "Secret Keeper" }, Ct)).EnsureSuccessStatusCode();
        await http.PostAsJsonAsync("/api/v1/auth/register", new { email = $"x{email}", password = weakPassword, displayName = "Weak" }, Ct);
        var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email, password }, Ct);
        var tokens = (await login.Content.ReadFromJsonAsync<TokenResponse>(Ct))!;
        var refreshed = (await (await http.PostAsJsonAsync("/api/v1/auth/refresh", new { tokens.RefreshToken }, Ct))
            .Content.ReadFromJsonAsync<TokenResponse>(Ct))!;
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await http.PostAsJsonAsync("/api/v1/auth/login", new { email, password = wrongPassword }, Ct)).StatusCode);
        // A malformed body that carries a password: the JSON error path must not echo it either.
        await http.PostAsync("/api/v1/auth/login",
            new StringContent($"{{\"email\":\"{email}\",\"password\":\"{wrongPassword}\" oops", System.Text.Encoding.UTF8, "application/json"), Ct);
        // The replayed refresh token revokes the session: that path logs too.
        await http.PostAsJsonAsync("/api/v1/auth/refresh", new { tokens.RefreshToken }, Ct);

        var fresh = (await (await http.PostAsJsonAsync("/api/v1/auth/login", new { email, password }, Ct)).Content.ReadFromJsonAsync<TokenResponse>(Ct))!;
        var hubToken = Uri.EscapeDataString(fresh.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/hubs/chat/negotiate?negotiateVersion=1&access_token={hubToken}", null, Ct)).StatusCode);
        await http.GetAsync($"/hubs/chat/negotiate?access_token={hubToken}", Ct);
        await http.GetAsync($"/hubs/chat?access_token={hubToken}", Ct);
        await http.GetAsync($"/api/v1/me?access_token={hubToken}", Ct);
        using (var me = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me"))
        {
            me.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fresh.AccessToken);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(me, Ct)).StatusCode);
        }

        (await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/logout")
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", fresh.AccessToken) },
        }, Ct)).EnsureSuccessStatusCode();

        var secrets = new[]
        {
            password, wrongPassword, weakPassword,
            tokens.AccessToken, tokens.RefreshToken, refreshed.AccessToken, refreshed.RefreshToken,
            fresh.AccessToken, fresh.RefreshToken, hubToken,
        };
        var lines = app.Logs.Lines.ToList();
        Assert.True(lines.Count > 10, "The capture saw almost nothing; the test would prove nothing.");
        // Bad input is the client's problem: nothing above is a server error, and none may log one (with its trace).
        Assert.DoesNotContain(lines, l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            // Tokens are long; a leaked prefix or fragment is as bad as the whole.
            var probe = secret.Length > 40 ? secret[10..40] : secret;
            var leak = lines.FirstOrDefault(l => l.Contains(probe, StringComparison.Ordinal));
            Assert.True(leak is null, $"A secret reached the logs: {leak}");
        }
    }
}
