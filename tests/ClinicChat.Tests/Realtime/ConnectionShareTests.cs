using System.Net;
using System.Net.Http.Headers;
using ClinicChat.Realtime;
using ClinicChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ClinicChat.Tests.Realtime.ChatTestKit;

namespace ClinicChat.Tests.Realtime;

public sealed class SharedLimitsApp : ClinicChatApp
{
    public const int PerUser = 2;
    public const int PerAddress = 5;

    public SharedLimitsApp()
    {
        Settings["Limits:MaxHubConnections"] = "100";
        Settings["Limits:MaxHubConnectionsPerUser"] = PerUser.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Settings["Limits:MaxHubConnectionsPerAddress"] = PerAddress.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>No single account or client address can take every hub connection: each has its own share beside the global cap.</summary>
public sealed class ConnectionShareTests(SharedLimitsApp app) : IClassFixture<SharedLimitsApp>
{
    [Fact]
    public async Task OneAccountAndThenOneAddressAreHeldToTheirShareWhileOthersStillConnect()
    {
        var (first, second, third, fourth, fifth) = (await app.RegisterPatientAsync(), await app.RegisterPatientAsync(),
            await app.RegisterPatientAsync(), await app.RegisterPatientAsync(), await app.RegisterPatientAsync());
        var open = new List<HubClient>();
        try
        {
            open.Add(await app.ConnectHubAsync(first));
            open.Add(await app.ConnectHubAsync(first));

            // The account's third connection: refused at connect (negotiate does not know the account yet).
            // The official client reports a refused WebSocket upgrade inside its "no transport worked" AggregateException.
            var overUser = await Assert.ThrowsAsync<AggregateException>(() => app.ConnectHubAsync(first));
            using var overUserPlain = await GetConnectEndpointAsync(first.AccessToken);

            // Someone else is unaffected, until the address as a whole has its share (every test client is 127.0.0.1).
            open.Add(await app.ConnectHubAsync(second));
            open.Add(await app.ConnectHubAsync(third));
            open.Add(await app.ConnectHubAsync(fourth));
            var overAddress = await Assert.ThrowsAsync<HttpRequestException>(() => app.ConnectHubAsync(fifth));
            var overAddressDirect = await HubClient.UpgradeStatusAsync(app.HubUrl(), fifth.AccessToken);

            Assert.Contains("status code '429'", overUser.Message, StringComparison.Ordinal);
            var userProblem = await overUserPlain.AssertProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Equal("MaxHubConnectionsPerUser", userProblem.GetProperty("limit").GetString());
            Assert.NotNull(overUserPlain.Headers.RetryAfter);
            Assert.Equal(HttpStatusCode.TooManyRequests, overAddress.StatusCode);
            using var overAddressPlain = await GetConnectEndpointAsync(fifth.AccessToken);
            var addressProblem = await overAddressPlain.AssertProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Equal("MaxHubConnectionsPerAddress", addressProblem.GetProperty("limit").GetString());
            Assert.Equal(HttpStatusCode.TooManyRequests, overAddressDirect);
            Assert.All(open, c => Assert.False(c.Closed.IsCompleted));
            Assert.Equal(SharedLimitsApp.PerUser, app.Services.GetRequiredService<HubGate>().ConnectionsOf(first.Id));

            // Closing one frees a slot for the same account.
            await open[0].DisposeAsync();
            open.RemoveAt(0);
            open.Add(await ConnectEventuallyAsync(first));
        }
        finally
        {
            foreach (var client in open)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>The connect endpoint over plain HTTP, where the refusal's problem body can be read (a WebSocket client only sees the status).</summary>
    private async Task<HttpResponseMessage> GetConnectEndpointAsync(string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, app.HubUrl());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await app.CreateAnonymousClient().SendAsync(request, Ct);
    }

    /// <summary>The server releases a slot when it sees the close, a moment after the client's close completes.</summary>
    private async Task<HubClient> ConnectEventuallyAsync(TestUser user)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await app.ConnectHubAsync(user);
            }
            catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.TooManyRequests && attempt < 50)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), Ct);
            }
        }
    }
}
