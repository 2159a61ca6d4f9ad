using System.Net;
using System.Security.Claims;
using ClinicChat.Accounts;
using ClinicChat.Conversations;
using ClinicChat.Realtime;
using ClinicChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static ClinicChat.Tests.Realtime.ChatTestKit;

namespace ClinicChat.Tests.Realtime;

/// <summary>What each open (mostly idle) hub connection keeps, and how often it is pinged.</summary>
public sealed class IdleConnectionTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    [Fact]
    public async Task AnOpenHubConnectionNoLongerHoldsItsAccessTokenAndKeepsWorking()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        await using var viaHeader = await app.ConnectHubAsync(patient);
        await using var viaQuery = await app.ConnectHubAsync(nurse, tokenInQuery: true);

        var registry = app.Services.GetRequiredService<HubConnectionRegistry>();
        var ours = registry.Contexts.Where(c => c.UserIdentifier == patient.Id.ToString() || c.UserIdentifier == nurse.Id.ToString()).ToList();
        Assert.Equal(2, ours.Count);
        foreach (var context in ours)
        {
            var http = context.GetHttpContext()!;
            Assert.False(http.Request.Headers.ContainsKey("Authorization"));
            Assert.False(http.Request.Query.ContainsKey("access_token"));
            Assert.DoesNotContain("access_token", http.Request.QueryString.Value ?? "", StringComparison.Ordinal);
            Assert.DoesNotContain("access_token", http.Features.Get<IHttpRequestFeature>()!.RawTarget, StringComparison.Ordinal);
            Assert.DoesNotContain(nurse.AccessToken, http.Features.Get<IHttpRequestFeature>()!.RawTarget, StringComparison.Ordinal);
            Assert.True(context.User!.Identity!.IsAuthenticated);
            // Only what the hub reads; the session id still ties the connection to its session.
            Assert.Equal(
                [ClaimTypes.NameIdentifier, ClaimTypes.Role, ClinicClaims.SessionIdClaim],
                context.User.Claims.Select(c => c.Type).ToArray());
            Assert.NotNull(context.User.SessionId());
            // The framework's authentication middleware (which would keep its ticket and request scope for the
            // connection's life) did not run: it sets this feature. WebApplication adds it by itself unless told.
            Assert.Null(http.Features.Get<IAuthenticationFeature>());
            // Nor did the authorization middleware, which adds the authentication result (ticket, properties) as a feature.
            Assert.Null(http.Features.Get<IAuthenticateResultFeature>());
        }

        Assert.True(ours.Single(c => c.UserIdentifier == nurse.Id.ToString()).User!.IsInRole(nurse.Role));

        await viaQuery.InvokeAsync<SubscribeResult>("Subscribe", conversation);
        var sent = await viaHeader.InvokeAsync<MessageDto>("SendMessage", conversation, "idle-1", "masih tersambung");
        Assert.Equal(sent, await viaQuery.NextAsync<MessageDto>("messageCreated"));
    }

    [Fact]
    public async Task TheConnectRequestItselfRefusesAMissingOrBadTokenAndAnEndedSession()
    {
        var patient = await app.RegisterPatientAsync();
        var loggedOut = await app.LoginAsync(patient.Email, patient.Password);
        (await loggedOut.Http.PostAsync("/api/v1/auth/logout", null, Ct)).EnsureSuccessStatusCode();

        // Without negotiate, so that the WebSocket request alone decides.
        var noToken = await HubClient.UpgradeStatusAsync(app.HubUrl(), "", tokenInQuery: true);
        var badToken = await HubClient.UpgradeStatusAsync(app.HubUrl(), "not-a-token");
        var endedHeader = await HubClient.UpgradeStatusAsync(app.HubUrl(), loggedOut.AccessToken);
        var endedQuery = await HubClient.UpgradeStatusAsync(app.HubUrl(), loggedOut.AccessToken, tokenInQuery: true);
        await using var live = await HubClient.ConnectAsync(app.HubUrl(), patient.AccessToken, skipNegotiation: true, cancellationToken: Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, noToken);
        Assert.Equal(HttpStatusCode.Unauthorized, badToken);
        Assert.Equal(HttpStatusCode.Unauthorized, endedHeader);
        Assert.Equal(HttpStatusCode.Unauthorized, endedQuery);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await HubClient.UpgradeStatusAsync(app.HubUrl(), patient.AccessToken));
        // The server answers calls only once the connection is fully open (a close would have come first).
        await live.FlushAsync();
        Assert.False(live.Closed.IsCompleted);
    }

    [Fact]
    public void IdleConnectionsArePingedWithinHalfTheOfficialClientsServerTimeoutAndMayBeSilentForAMinute()
    {
        var hub = app.Services.GetRequiredService<IOptions<HubOptions>>().Value;

        // The official SignalR clients give up after 30 s of silence by default; SignalR's rule is to ping at half that.
        Assert.Equal(TimeSpan.FromSeconds(15), hub.KeepAliveInterval);
        Assert.Equal(TimeSpan.FromSeconds(60), hub.ClientTimeoutInterval);
    }

    [Theory]
    [InlineData(15, true)]
    [InlineData(16, false)]
    [InlineData(30, false)]
    public void AKeepAliveThatDefaultClientsWouldTimeOutOnIsRefused(int seconds, bool valid)
    {
        var limits = new ClinicChat.Infrastructure.LimitsOptions { HubKeepAliveSeconds = seconds };

        var ok = System.ComponentModel.DataAnnotations.Validator.TryValidateObject(
            limits, new System.ComponentModel.DataAnnotations.ValidationContext(limits), null, validateAllProperties: true);

        Assert.Equal(valid, ok);
    }
}
