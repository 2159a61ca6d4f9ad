using System.Net;
using System.Net.Http.Json;
using ClinicChat.Infrastructure;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Accounts;

/// <summary>The tests' requests come from 127.0.0.1: trusted as a proxy in one server, not in the other.</summary>
public abstract class ProxyApp : ClinicChatApp
{
    protected ProxyApp(string trustedProxies)
    {
        Settings["Limits:LoginAttemptsPerMinute"] = "3";
        Settings[TrustedProxies.Setting] = trustedProxies;
    }
}

public sealed class BehindTrustedProxyApp() : ProxyApp("127.0.0.1,::1");

public sealed class UntrustedPeerApp() : ProxyApp("10.20.30.0/24");

public sealed class TrustedProxyTests(BehindTrustedProxyApp behindProxy, UntrustedPeerApp untrusted)
    : IClassFixture<BehindTrustedProxyApp>, IClassFixture<UntrustedPeerApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BehindATrustedProxyTheLoginLimitCountsEachForwardedClientAddress()
    {
        var http = behindProxy.CreateAnonymousClient();

        var eachFromItsOwnAddress = await AttemptsAsync(http, i => $"203.0.113.{i + 1}");
        var allFromOneAddress = await AttemptsAsync(http, _ => "198.51.100.7");

        Assert.All(eachFromItsOwnAddress, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Contains(HttpStatusCode.TooManyRequests, allFromOneAddress);
    }

    [Fact]
    public async Task FromAPeerThatIsNotATrustedProxyXForwardedForIsIgnored()
    {
        var http = untrusted.CreateAnonymousClient();

        // Eight attempts against a limit of three from one peer: whatever addresses they claim, some are refused.
        var statuses = await AttemptsAsync(http, i => $"203.0.113.{i + 1}");

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
    }

    [Fact]
    public void AnEntryThatIsNeitherAnAddressNorANetworkStopsTheStart()
    {
        var error = Assert.Throws<StartupException>(() => TrustedProxies.Parse("10.0.0.1, proxy.internal"));

        Assert.Contains("proxy.internal", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, TrustedProxies.Parse("10.0.0.1, 172.16.0.0/12").Count);
    }

    private static async Task<List<HttpStatusCode>> AttemptsAsync(HttpClient http, Func<int, string> forwardedFor)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/login")
            {
                Content = JsonContent.Create(new { email = $"nobody-{Guid.NewGuid():N}@example.com", password = "wrong-password-" + i }),
            };
            request.Headers.Add("X-Forwarded-For", forwardedFor(i));
            using var response = await http.SendAsync(request, Ct);
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }
}
