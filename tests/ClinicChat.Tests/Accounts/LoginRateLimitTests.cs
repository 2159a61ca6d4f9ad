using System.Net;
using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Accounts;

public sealed class LoginRateLimitTests(LoginRateLimitTests.App app) : IClassFixture<LoginRateLimitTests.App>
{
    public sealed class App : ClinicChatApp
    {
        public App()
        {
            Settings["Limits:LoginAttemptsPerMinute"] = "3";
        }
    }

    [Fact]
    public async Task TooManyAuthAttemptsFromOneAddressAreRefusedWithAProblem()
    {
        var http = app.CreateAnonymousClient();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;

        // Eight attempts against a limit of three: even if a window boundary falls in between, some are refused.
        for (var i = 0; i < 8; i++)
        {
            var response = await http.PostAsJsonAsync("/api/v1/auth/login",
                new { email = "someone@example.com", password = "guess-number-" + i }, TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
            refused ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.True(refused is not null, string.Join(", ", statuses));
        await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.InRange(refused.Headers.RetryAfter?.Delta?.TotalSeconds ?? -1, 1, 60);
        Assert.True(statuses.Count(s => s == HttpStatusCode.Unauthorized) <= 6, string.Join(", ", statuses));
    }
}
